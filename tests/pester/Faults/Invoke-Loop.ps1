# Child process of Faults.Tests.ps1: runs one capsule utility many times in this one process,
# taking the targets in turn (one per engine) and prints one JSON line: handle count (open file descriptors) and memory
# (managed heap, private bytes, working set; each read after a full, compacting GC) after a
# warm-up and every -SampleEvery invocations, plus every failure.
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $EngineUri,   # comma-separated, one per target
    [Parameter(Mandatory)] [string] $Target,      # comma-separated
    [string] $Utility = 'uptime-busybox',
    [int] $Count = 200,
    [int] $WarmUp = 20,
    [int] $SampleEvery = 50
)
$ErrorActionPreference = 'Stop'
$uris = @($EngineUri -split ','); $targets = @($Target -split ',')   # typed [string] parameters cannot hold the arrays
Import-Module $Module

function Get-Sample([int] $Done) {
    [GC]::Collect(2, [GCCollectionMode]::Forced, $true, $true)
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect(2, [GCCollectionMode]::Forced, $true, $true)
    $process = [Diagnostics.Process]::GetCurrentProcess()
    [pscustomobject]@{
        Invocations   = $Done
        Handles       = @(Get-ChildItem "/proc/$PID/fd").Count
        HandleCount   = $process.HandleCount
        ManagedBytes  = [GC]::GetTotalMemory($true)
        PrivateBytes  = $process.PrivateMemorySize64
        WorkingSet    = $process.WorkingSet64
    }
}

$failures = [Collections.Generic.List[string]]::new()
function Invoke-Once([int] $i) {
    try {
        $k = [Math]::Abs($i) % $targets.Count
        $r = Invoke-Capsule -Utility $Utility -Container $targets[$k] -EngineUri $uris[$k] -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
        if ($err.Count -gt 0 -or -not $r -or $r.ExitCode -ne 0 -or $r.Items.Count -lt 1 -or $r.CleanupFailure) {
            $failures.Add("#${i} on $($uris[$k]): exit $($r.ExitCode), items $($r.Items.Count), cleanup '$($r.CleanupFailure)', errors: $($err -join ' | ')")
        }
    }
    catch { $failures.Add("#${i}: threw $($_.Exception.Message)") }
}

for ($i = 1; $i -le $WarmUp; $i++) { Invoke-Once -$i }
$samples = [Collections.Generic.List[object]]::new()
$samples.Add((Get-Sample 0))
$sw = [Diagnostics.Stopwatch]::StartNew()
for ($i = 1; $i -le $Count; $i++) {
    Invoke-Once $i
    if ($i % $SampleEvery -eq 0) { $samples.Add((Get-Sample $i)) }
}
[pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Failures = $failures; Samples = $samples } | ConvertTo-Json -Depth 4 -Compress
