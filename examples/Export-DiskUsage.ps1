<#
.SYNOPSIS
    A disk-usage sweep written to CSV: df of every target, as the target sees its filesystems.

.DESCRIPTION
    Runs a df capsule against containers (-Container: names or wildcards matched against the
    engine's running containers) or Kubernetes pods (-Pod: names or wildcards; -Selector; in
    -Namespace, with -Kubeconfig and -Context as for Invoke-Capsule), and writes one CSV row per
    filesystem and target to -CsvPath: Time, Target, MountPoint, Filesystem, Type, SizeMB, UsedMB,
    AvailableMB, UsePercent, and Alert (true at or above -AlertPercent). The capsule reads the
    target's mounts through /proc/1 of the target, so the mount points are the target's own.

    Returns the rows too (or, with -AlertOnly, only those at or above -AlertPercent). A target
    that fails is reported as an error and the sweep goes on.

.EXAMPLE
    ./examples/Export-DiskUsage.ps1 -Container '*' -CsvPath ./disk.csv

.EXAMPLE
    ./examples/Export-DiskUsage.ps1 -Namespace shop -Selector app=web -CsvPath ./disk.csv -AlertPercent 90 -AlertOnly
#>
[CmdletBinding(DefaultParameterSetName = 'Container')]
param(
    [Parameter(Mandatory)] [string] $CsvPath,
    [Parameter(ParameterSetName = 'Container')] [SupportsWildcards()] [string[]] $Container = '*',
    [Parameter(ParameterSetName = 'Container')] [string] $EngineUri,
    [Parameter(ParameterSetName = 'Pod')] [SupportsWildcards()] [string[]] $Pod = '*',
    [Parameter(ParameterSetName = 'Pod')] [string] $Namespace,
    [Parameter(ParameterSetName = 'Pod')] [string] $Selector,
    [Parameter(ParameterSetName = 'Pod')] [string] $Kubeconfig,
    [Parameter(ParameterSetName = 'Pod')] [string] $Context,
    [ValidateRange(0, 100)] [double] $AlertPercent = 85,
    [switch] $AlertOnly,
    [ValidateRange(1, 600)] [int] $TimeoutSec = 30
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module RunEscape)) { Import-Module RunEscape }

if ($PSCmdlet.ParameterSetName -eq 'Pod') {
    # One call: Invoke-Capsule expands pod wildcards and the selector itself.
    $call = @{}
    foreach ($k in 'Namespace', 'Context') { if ($PSBoundParameters[$k]) { $call[$k] = $PSBoundParameters[$k] } }
    if ($Kubeconfig) { $call.Kubeconfig = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Kubeconfig) }
    if ($Selector) { $call.Selector = $Selector } else { $call.Pod = $Pod }
    $sweeps = @(, $call)
}
else {
    # Container wildcards: the running containers, as Invoke-Capsule's -Container completer lists them.
    $line = "Invoke-Capsule df $(if ($EngineUri) { "-EngineUri '$EngineUri' " })-Container "
    $running = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText)
    $targets = @(foreach ($c in $Container) {
        if ([WildcardPattern]::ContainsWildcardCharacters($c)) { $running | Where-Object { $_ -like $c } } else { $c }
    }) | Select-Object -Unique
    $sweeps = @(foreach ($t in $targets) { $s = @{ Container = $t }; if ($EngineUri) { $s.EngineUri = $EngineUri }; $s })
}

$time = [DateTimeOffset]::Now
$rows = foreach ($sweep in $sweeps) {
    foreach ($fs in Invoke-Capsule -Utility df @sweep -TimeoutSec $TimeoutSec -ErrorAction Continue) {
        [pscustomobject]@{
            PSTypeName  = 'RunEscape.Examples.DiskUsageRow'
            Time        = $time
            Target      = $fs.Target
            MountPoint  = $fs.MountPoint
            Filesystem  = $fs.Filesystem
            Type        = $fs.Type
            SizeMB      = if ($null -ne $fs.Size) { [math]::Round($fs.Size / 1MB, 1) } else { $null }
            UsedMB      = if ($null -ne $fs.Used) { [math]::Round($fs.Used / 1MB, 1) } else { $null }
            AvailableMB = if ($null -ne $fs.Available) { [math]::Round($fs.Available / 1MB, 1) } else { $null }
            UsePercent  = $fs.UsePercent
            Alert       = $null -ne $fs.UsePercent -and $fs.UsePercent -ge $AlertPercent
        }
    }
}

@($rows) | Sort-Object Target, MountPoint | Export-Csv -Path $CsvPath -NoTypeInformation -UseQuotes AsNeeded
if ($AlertOnly) { $rows | Where-Object Alert } else { $rows }
