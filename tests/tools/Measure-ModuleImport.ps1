<#
.SYNOPSIS
    Repeatable start-up figure for RunEscape: how long Import-Module takes in a fresh pwsh.

.DESCRIPTION
    Runs -Iterations new pwsh processes (after one discarded run that brings the files into the
    page cache) and times, inside each, with a Stopwatch:
      FirstCommand  Import-Module RunEscape as the very first command of the process (includes
                    PowerShell's own module-system warm-up that any first import pays).
      Warm          Import-Module RunEscape after PowerShell has imported one of its own modules
                    (Microsoft.PowerShell.Security), i.e. RunEscape's own cost.
      Baseline      Import-Module Microsoft.PowerShell.Security as the first command, for scale.
    Prints the median, min and max of each, and the machine's load average, which these numbers
    depend on.

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/tools/Measure-ModuleImport.ps1 -Module ./out/RunEscape/RunEscape.psd1
#>
[CmdletBinding()]
param(
    [string] $Module = (Join-Path $PSScriptRoot '../../out/RunEscape/RunEscape.psd1'),
    [ValidateRange(3, 100)] [int] $Iterations = 11
)

$ErrorActionPreference = 'Stop'
$Module = (Resolve-Path $Module).ProviderPath
$pwsh = Join-Path $PSHOME 'pwsh'
$cases = [ordered]@{
    FirstCommand = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$Module'; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
    Warm         = "Import-Module Microsoft.PowerShell.Security; `$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$Module'; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
    Baseline     = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module Microsoft.PowerShell.Security; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
}

$null = & $pwsh -NoProfile -NonInteractive -Command $cases.FirstCommand   # page cache
$rows = foreach ($case in $cases.GetEnumerator()) {
    $ms = foreach ($i in 1..$Iterations) {
        [double](& $pwsh -NoProfile -NonInteractive -Command $case.Value | Select-Object -Last 1)
    }
    $sorted = $ms | Sort-Object
    [pscustomobject]@{
        Case     = $case.Key
        MedianMs = [math]::Round($sorted[[int][math]::Floor(($sorted.Count - 1) / 2)], 0)
        MinMs    = [math]::Round($sorted[0], 0)
        MaxMs    = [math]::Round($sorted[-1], 0)
        Runs     = $Iterations
    }
}
$rows | Format-Table -AutoSize | Out-String | Write-Output
$load = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { 'n/a' }
Write-Output "Load average: $load on $([Environment]::ProcessorCount) cores"
