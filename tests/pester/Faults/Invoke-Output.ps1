# Child process of Faults.Tests.ps1: runs utilities whose output is hostile — 200 MiB (of NUL
# bytes: fast to produce, unlike BusyBox seq), an endless stream, binary garbage, silence forever — against one target and prints one JSON line per case with what
# the cmdlet returned (truncation, warnings, errors, the output's size) and this process's memory:
# its peak working set (the kernel's high-water mark, VmHWM) and the working set before and after.
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $EngineUri,
    [Parameter(Mandatory)] [string] $Target,
    [Parameter(Mandatory)] [string] $Image
)
$ErrorActionPreference = 'Stop'
Import-Module $Module

# BusyBox applets in the capsule image; argv, no shell.
Register-CapsuleUtility -Name fault-flood -Image $Image -Command head, -c, 209715200, /dev/zero -Parser lines -Namespace pid -TimeoutSec 120   # 200 MiB
Register-CapsuleUtility -Name fault-endless -Image $Image -Command yes, 'never stops' -Parser lines -Namespace pid -TimeoutSec 120
Register-CapsuleUtility -Name fault-garbage -Image $Image -Command cat, /dev/urandom -Parser lines -Namespace pid -TimeoutSec 120
Register-CapsuleUtility -Name fault-garbage-table -Image $Image -Command head, -c, 262144, /dev/urandom -Parser table -Namespace pid -TimeoutSec 60
Register-CapsuleUtility -Name fault-silent -Image $Image -Command sleep, 100000 -Parser lines -Namespace pid -TimeoutSec 60

function Get-HighWaterMark { [long](((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', '')) * 1KB }
[GC]::Collect()
$null = Invoke-Capsule -Utility fault-garbage-table -Container $Target -EngineUri $EngineUri -ErrorAction SilentlyContinue   # warm-up
[GC]::Collect()
$baseline = [Diagnostics.Process]::GetCurrentProcess().WorkingSet64
$baselineHwm = Get-HighWaterMark

function Invoke-Case([string] $Name, [hashtable] $Parameters) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $thrown = $null
    $out = $null
    try { $out = Invoke-Capsule -Container $Target -EngineUri $EngineUri @Parameters -ErrorVariable err -WarningVariable warn -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
    catch { $thrown = $_ }
    $seconds = $sw.Elapsed.TotalSeconds
    $highWaterMark = Get-HighWaterMark   # before this script makes copies of the output below
    $result = @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'RunEscape.Lifecycle.CapsuleResult' }) | Select-Object -First 1
    $records = @($out | Where-Object { $_.PSObject.TypeNames[0] -ne 'RunEscape.Lifecycle.CapsuleResult' }).Count
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

Invoke-Case flood @{ Utility = 'fault-flood'; Raw = $true; PassThru = $true }
Invoke-Case endless @{ Utility = 'fault-endless'; Raw = $true; PassThru = $true; MaxOutputBytes = 1MB }
Invoke-Case garbage @{ Utility = 'fault-garbage'; Raw = $true; PassThru = $true }
Invoke-Case garbage-parsed @{ Utility = 'fault-garbage-table' }
Invoke-Case silent @{ Utility = 'fault-silent'; TimeoutSec = 3 }
