# Child process of Faults.Tests.ps1: runs utilities whose output is hostile — 200 MiB (of NUL
# bytes: fast to produce, unlike BusyBox seq), an endless stream, binary garbage, endless 2-byte
# lines (each a record), silence forever — against one target and prints one JSON line per case with what
# the cmdlet returned (truncation, warnings, errors, the output's size) and this process's memory
# during the case: the working set (VmRSS) when it starts and its peak (VmHWM). Faults.Tests.ps1
# runs one case per process (-Case): a runtime keeps memory it freed, so a case that followed
# another in the same process would grow into what the earlier one left and look smaller than it is.
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $EngineUri,
    [Parameter(Mandatory)] [string] $Target,
    [Parameter(Mandatory)] [string] $Image,
    [string[]] $Case = @('flood', 'endless', 'garbage', 'garbage-parsed', 'short-lines', 'short-lines-passthru', 'silent')
)
$ErrorActionPreference = 'Stop'
Import-Module $Module

# BusyBox applets in the capsule image; argv, no shell.
Register-CapsuleUtility -Name fault-flood -Image $Image -Command head, -c, 209715200, /dev/zero -Parser lines -Namespace pid -TimeoutSec 120   # 200 MiB
Register-CapsuleUtility -Name fault-endless -Image $Image -Command yes, 'never stops' -Parser lines -Namespace pid -TimeoutSec 120
Register-CapsuleUtility -Name fault-garbage -Image $Image -Command cat, /dev/urandom -Parser lines -Namespace pid -TimeoutSec 120
Register-CapsuleUtility -Name fault-garbage-table -Image $Image -Command head, -c, 262144, /dev/urandom -Parser table -Namespace pid -TimeoutSec 60
Register-CapsuleUtility -Name fault-short-lines -Image $Image -Command yes -Parser lines -Namespace pid -TimeoutSec 120
Register-CapsuleUtility -Name fault-silent -Image $Image -Command sleep, 100000 -Parser lines -Namespace pid -TimeoutSec 60

function Get-Status([string] $Field) { [long](((Get-Content /proc/self/status | Where-Object { $_ -like "${Field}:*" }) -replace '\D', '')) * 1KB }
function Get-HighWaterMark { Get-Status VmHWM }
$null = Invoke-Capsule -Utility fault-garbage-table -Container $Target -EngineUri $EngineUri -ErrorAction SilentlyContinue -WarningAction SilentlyContinue   # warm-up

# -Stream: the records are counted as they pass down the pipeline, not collected (as
# `| Measure-Object` or `| Export-Csv` would), so what is measured is the module's own memory.
function Invoke-Case([string] $Name, [hashtable] $Parameters, [switch] $Stream) {
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect()
    [IO.File]::WriteAllText('/proc/self/clear_refs', '5')   # the peak so far is the working set now
    $baseline = Get-Status VmRSS
    $baselineHwm = Get-HighWaterMark
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $thrown = $null
    $out = @()
    $streamed = 0
    try {
        if ($Stream) { Invoke-Capsule -Container $Target -EngineUri $EngineUri @Parameters -ErrorVariable err -WarningVariable warn -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | ForEach-Object { $streamed++ } }
        else { $out = Invoke-Capsule -Container $Target -EngineUri $EngineUri @Parameters -ErrorVariable err -WarningVariable warn -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
    }
    catch { $thrown = $_ }
    $seconds = $sw.Elapsed.TotalSeconds
    $highWaterMark = Get-HighWaterMark   # before this script makes copies of the output below
    $result = @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'RunEscape.Lifecycle.CapsuleResult' }) | Select-Object -First 1
    $records = $streamed + @($out | Where-Object { $_.PSObject.TypeNames[0] -ne 'RunEscape.Lifecycle.CapsuleResult' }).Count
    $stdout = if ($result) { $result.StandardOutput } else { '' }
    $case = [pscustomobject]@{
        Case            = $Name
        Seconds         = $seconds
        Truncated       = [bool]($result -and $result.OutputTruncated)
        StdoutBytes     = [Text.Encoding]::UTF8.GetByteCount($stdout)
        ReplacementChars = $stdout.Length - $stdout.Replace([string][char]0xFFFD, '').Length
        Records         = $records
        Warnings        = @($warn | ForEach-Object { $_.Message })
        Errors          = @($err | ForEach-Object { "$($_.FullyQualifiedErrorId) [$($_.CategoryInfo.Category)] $($_.Exception.Message)" } | Select-Object -Unique -First 3)
        ErrorCount      = $err.Count
        Thrown          = if ($thrown) { "$($thrown.FullyQualifiedErrorId) $($thrown.Exception.Message)" } else { $null }
        BaselineWorkingSet = $baseline
        BaselineHighWaterMark = $baselineHwm
        HighWaterMark   = $highWaterMark
    }
    $out = $null; $result = $null; $stdout = $null
    [GC]::Collect()
    $case | ConvertTo-Json -Compress
}

$cases = [ordered]@{
    'flood'                = { Invoke-Case flood @{ Utility = 'fault-flood'; Raw = $true; PassThru = $true } }
    'endless'              = { Invoke-Case endless @{ Utility = 'fault-endless'; Raw = $true; PassThru = $true; MaxOutputBytes = 1MB } }
    'garbage'              = { Invoke-Case garbage @{ Utility = 'fault-garbage'; Raw = $true; PassThru = $true } }
    'garbage-parsed'       = { Invoke-Case garbage-parsed @{ Utility = 'fault-garbage-table' } }
    'short-lines'          = { Invoke-Case short-lines @{ Utility = 'fault-short-lines' } -Stream }
    'short-lines-passthru' = { Invoke-Case short-lines-passthru @{ Utility = 'fault-short-lines'; PassThru = $true } }
    'silent'               = { Invoke-Case silent @{ Utility = 'fault-silent'; TimeoutSec = 3 } }
}
# pwsh -File passes an array as one comma-separated argument.
foreach ($name in $Case -split ',') { & $cases[$name.Trim()] }
