<#
.SYNOPSIS
    Azure Automation runbook: a top sweep with an alert threshold, non-interactive.

.DESCRIPTION
    Import RunEscape.zip (build.ps1 Package) into the Automation account as a PowerShell 7.4
    module, then publish this runbook. It runs on a Hybrid Runbook Worker that can reach the
    container engine (a cloud sandbox has no engine). Settings come from Automation variables
    when the runbook runs in Azure Automation, else from environment variables of the same name
    (so it runs the same way from a scheduler or a test):

      RunEscapeEngineUri      engine endpoint (default: the worker's Docker or Podman socket)
      RunEscapeTargets        comma-separated container names or wildcards (default: *);
                              wildcards are matched against the running containers
      RunEscapeCpuThreshold   CPU% at which a process is reported (default: 80)

    Output: one line per alert (Automation shows output streams as text), and a final summary
    line. The runbook fails (throws) when the engine cannot be reached, so the job shows Failed.

    TODO (Kubernetes): read a kubeconfig from an Automation credential or variable
    (Get-AutomationPSCredential 'RunEscapeKubeconfig' → a temporary file, KUBECONFIG set to it)
    and sweep the pods of a namespace, once RunEscape targets pods.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Get-Setting([string] $Name, [string] $Default) {
    # Azure Automation provides Get-AutomationVariable inside a job; elsewhere use the environment.
    if (Get-Command Get-AutomationVariable -ErrorAction SilentlyContinue) {
        try { $v = Get-AutomationVariable -Name $Name } catch { $v = $null }
        if ($v) { return [string]$v }
    }
    $e = [Environment]::GetEnvironmentVariable($Name)
    if ($e) { return $e }
    return $Default
}

if (-not (Get-Module RunEscape)) { Import-Module RunEscape }

$engineUri = Get-Setting 'RunEscapeEngineUri' ''
$targets = (Get-Setting 'RunEscapeTargets' '*') -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }
$threshold = [double](Get-Setting 'RunEscapeCpuThreshold' '80')

# A runbook is one script: the sweep of examples/Watch-TopThreshold.ps1, inlined.
$engine = if ($engineUri) { @{ EngineUri = $engineUri } } else { @{} }
# Fail early, and visibly, when the engine cannot be reached (ConnectionError).
$null = Get-Capsule @engine
# Wildcards are matched against the running containers, which the -Container argument completer
# gets from the engine; plain names are used as they are.
$line = "Invoke-Capsule top $(if ($engineUri) { "-EngineUri '$engineUri' " })-Container "
$selected = @(foreach ($t in $targets) {
    if ([WildcardPattern]::ContainsWildcardCharacters($t)) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText | Where-Object { $_ -like $t }
    }
    else { $t }
}) | Select-Object -Unique

$alerts = 0
$failed = 0
foreach ($t in $selected) {
    $processes = Invoke-Capsule -Utility top -Container $t @engine -ErrorAction SilentlyContinue -ErrorVariable capsuleErrors
    foreach ($e in $capsuleErrors) { $failed++; Write-Output ("ERROR {0}: {1}" -f $t, $e.Exception.Message) }
    foreach ($p in $processes | Where-Object CPU -ge $threshold) {
        $alerts++
        Write-Output ("ALERT {0} PID {1} CPU {2}% >= {3}% :: {4}" -f $p.Target, $p.PID, $p.CPU, $threshold, $p.Command)
    }
}
Write-Output ("RunEscape sweep finished at {0:u}: {1} container(s), {2} alert(s), {3} error(s), threshold {4}% CPU." -f [DateTimeOffset]::UtcNow, $selected.Count, $alerts, $failed, $threshold)
