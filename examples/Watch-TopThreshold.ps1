<#
.SYNOPSIS
    top across many containers, or the pods of a Kubernetes namespace, with an alert threshold.

.DESCRIPTION
    Containers: takes the containers named by -Container (names, or wildcards matched against the
    engine's running containers) and runs a top capsule against each.
    Pods: with -Namespace, -Pod or -Selector, runs a top capsule against every pod of the namespace
    (-Pod '*', the default), the pods named or matching a wildcard, or those matching a label
    selector; -Kubeconfig and -Context pick the cluster as for Invoke-Capsule.

    Returns one alert object per process whose CPU% is at or above -CpuThreshold (or whose
    resident memory is at or above -MemoryThresholdMB). Each alert is also written as a warning,
    so a scheduler or runbook sees it in its warning stream. With -CsvPath, the alerts are also
    written to a CSV file. A target that fails (stopped meanwhile, a pod not Running) is reported
    as an error and the sweep goes on.

    Container wildcards are expanded with Invoke-Capsule's -Container argument completer
    (RunEscape has no cmdlet that lists containers; TabExpansion2 is the public way to ask a
    completer), so no docker or podman CLI is needed. The completer gives the engine 1.5 s: on a
    very busy engine a wildcard may match nothing, so name the containers when that matters.
    Pod wildcards and selectors are expanded by Invoke-Capsule itself (it lists the namespace's pods).

.EXAMPLE
    ./examples/Watch-TopThreshold.ps1 -Container 'web-*' -CpuThreshold 80

.EXAMPLE
    ./examples/Watch-TopThreshold.ps1 -CpuThreshold 50 -MemoryThresholdMB 512 -CsvPath ./alerts.csv

.EXAMPLE
    ./examples/Watch-TopThreshold.ps1 -Namespace shop -CpuThreshold 80       # every pod of namespace shop

.EXAMPLE
    ./examples/Watch-TopThreshold.ps1 -Namespace shop -Selector app=web -Context prod -CsvPath ./alerts.csv
#>
[CmdletBinding(DefaultParameterSetName = 'Container')]
param(
    [Parameter(ParameterSetName = 'Container')] [SupportsWildcards()] [string[]] $Container = '*',
    [Parameter(ParameterSetName = 'Container')] [string] $EngineUri,
    [Parameter(ParameterSetName = 'Pod')] [SupportsWildcards()] [string[]] $Pod = '*',
    [Parameter(ParameterSetName = 'Pod')] [string] $Namespace,
    [Parameter(ParameterSetName = 'Pod')] [string] $Selector,
    [Parameter(ParameterSetName = 'Pod')] [string] $Kubeconfig,
    [Parameter(ParameterSetName = 'Pod')] [string] $Context,
    [ValidateRange(0, 10000)] [double] $CpuThreshold = 80,
    [ValidateRange(0, [int]::MaxValue)] [int] $MemoryThresholdMB = 0,
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

if ($PSCmdlet.ParameterSetName -eq 'Pod') {
    # One Invoke-Capsule call: it expands wildcards and the selector against the namespace's pods.
    $kube = @{}
    foreach ($k in 'Namespace', 'Kubeconfig', 'Context') { if ($PSBoundParameters[$k]) { $kube[$k] = $PSBoundParameters[$k] } }
    if ($Kubeconfig) { $kube.Kubeconfig = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Kubeconfig) }
    if ($Selector) { $kube.Selector = $Selector } else { $kube.Pod = $Pod }
    $sweeps = @(, $kube)
}
else {
    $targets = @(foreach ($c in $Container) {
        if ([WildcardPattern]::ContainsWildcardCharacters($c)) { Get-RunningContainer $EngineUri | Where-Object { $_ -like $c } } else { $c }
    }) | Select-Object -Unique
    Write-Verbose "Sweeping $($targets.Count) container(s): $($targets -join ', ')."
    $sweeps = @(foreach ($t in $targets) { $s = @{ Container = $t }; if ($EngineUri) { $s.EngineUri = $EngineUri }; $s })
}

$alerts = foreach ($sweep in $sweeps) {
    # A failing target (stopped meanwhile, no capsule image, a pod not Running) is reported and the sweep goes on.
    $processes = Invoke-Capsule -Utility top @sweep -TimeoutSec $TimeoutSec -ErrorAction Continue
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
