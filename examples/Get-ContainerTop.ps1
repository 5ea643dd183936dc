<#
.SYNOPSIS
    Local-container example: the busiest processes of one or more running containers, with top's
    summary header, without installing anything in them.

.DESCRIPTION
    Runs a top capsule against each container (Docker Engine or Podman) and prints the summary
    (load, tasks, memory) and the -First busiest processes by CPU as formatted tables. Returns
    the process objects with -PassThru.

.EXAMPLE
    ./examples/Get-ContainerTop.ps1 -Container web-1

.EXAMPLE
    ./examples/Get-ContainerTop.ps1 -Container web-1, db-1 -EngineUri unix:///run/podman/podman.sock -First 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $Container,
    [string] $EngineUri,
    [ValidateRange(1, 1000)] [int] $First = 5,
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module RunEscape)) { Import-Module RunEscape }

$engine = if ($EngineUri) { @{ EngineUri = $EngineUri } } else { @{} }
foreach ($name in $Container) {
    $processes = Invoke-Capsule -Utility top -Container $name @engine -InformationVariable info
    $summary = $info | Where-Object { 'Summary' -in $_.Tags } | Select-Object -First 1 -ExpandProperty MessageData
    if ($summary) { $summary | Format-List | Out-Host }
    $processes | Sort-Object CPU -Descending | Select-Object -First $First | Format-Table | Out-Host
    if ($PassThru) { $processes }
}
