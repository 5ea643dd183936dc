<#
.SYNOPSIS
    top across many containers with an alert threshold.

.DESCRIPTION
    Takes the containers named by -Container (names, or wildcards matched against the engine's
    running containers), runs a top capsule against each, and returns one alert object per process whose CPU% is at or above
    -CpuThreshold (or whose resident memory is at or above -MemoryThresholdMB). Each alert is
    also written as a warning, so a scheduler or runbook sees it in its warning stream.
    With -CsvPath, the alerts are also written to a CSV file.

    Wildcards are expanded with Invoke-Capsule's -Container argument completer (RunEscape has no
    cmdlet that lists targets; TabExpansion2 is the public way to ask a completer), so no docker
    or podman CLI is needed. The completer gives the engine 1.5 s: on a very busy engine a
    wildcard may match nothing, so name the containers when that matters.
    TODO (Kubernetes): -Namespace to sweep the pods of a namespace, once pods are targets.

.EXAMPLE
    ./examples/Watch-TopThreshold.ps1 -Container 'web-*' -CpuThreshold 80

.EXAMPLE
    ./examples/Watch-TopThreshold.ps1 -CpuThreshold 50 -MemoryThresholdMB 512 -CsvPath ./alerts.csv
#>
[CmdletBinding()]
param(
    [SupportsWildcards()] [string[]] $Container = '*',
    [ValidateRange(0, 10000)] [double] $CpuThreshold = 80,
    [ValidateRange(0, [int]::MaxValue)] [int] $MemoryThresholdMB = 0,
    [string] $EngineUri,
    [string] $CsvPath,
    [ValidateRange(1, 600)] [int] $TimeoutSec = 30
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module RunEscape)) { Import-Module RunEscape }

function Get-RunningContainer([string] $EngineUri) {
    # The running containers (capsules excluded), as the -Container completer gets them from the engine.
    $line = "Invoke-Capsule top $(if ($EngineUri) { "-EngineUri '$EngineUri' " })-Container "
    @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText)
}

$targets = @(foreach ($c in $Container) {
    if ([WildcardPattern]::ContainsWildcardCharacters($c)) { Get-RunningContainer $EngineUri | Where-Object { $_ -like $c } } else { $c }
}) | Select-Object -Unique
Write-Verbose "Sweeping $($targets.Count) container(s): $($targets -join ', ')."

$engine = if ($EngineUri) { @{ EngineUri = $EngineUri } } else { @{} }
$alerts = foreach ($t in $targets) {
    # A failing target (stopped meanwhile, no capsule image) is reported and the sweep goes on.
    $processes = Invoke-Capsule -Utility top -Container $t @engine -TimeoutSec $TimeoutSec -ErrorAction Continue
    foreach ($p in $processes) {
        $rssMB = if ($null -ne $p.ResidentMemory) { [math]::Round($p.ResidentMemory / 1MB, 1) } else { $null }
        $cpuHit = $p.CPU -ge $CpuThreshold
        $memHit = $MemoryThresholdMB -gt 0 -and $null -ne $rssMB -and $rssMB -ge $MemoryThresholdMB
        if (-not ($cpuHit -or $memHit)) { continue }
        $alert = [pscustomobject]@{
            PSTypeName = 'RunEscape.Examples.TopAlert'
            Time       = [DateTimeOffset]::Now
            Target     = $p.Target
            PID        = $p.PID
            CPU        = $p.CPU
            ResidentMB = $rssMB
            Reason     = (@(if ($cpuHit) { "CPU $($p.CPU)% >= $CpuThreshold%" }; if ($memHit) { "RES $rssMB MiB >= $MemoryThresholdMB MiB" }) -join '; ')
            Command    = $p.Command
        }
        Write-Warning "$($alert.Target): PID $($alert.PID) ($($alert.Command)): $($alert.Reason)"
        $alert
    }
}

if ($CsvPath) { @($alerts) | Export-Csv -Path $CsvPath -NoTypeInformation -UseQuotes AsNeeded }
$alerts
