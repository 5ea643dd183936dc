<#
.SYNOPSIS
    Azure Automation runbook: a top sweep with an alert threshold over containers or Kubernetes
    pods, non-interactive.

.DESCRIPTION
    Import RunEscape.zip (build.ps1 Package) into the Automation account as a PowerShell 7.4
    module, then publish this runbook. Settings come from Automation assets when the runbook runs
    in Azure Automation (Get-AutomationVariable, Get-AutomationPSCredential), else from
    environment variables of the same name, so it runs the same way from a scheduler or a test.

    Pods (a cloud sandbox or a Hybrid Runbook Worker that can reach the API server). Pod mode is
    on when a kubeconfig or token is found, or RunEscapeNamespace is set:
      RunEscapeKubeconfig     variable: the kubeconfig's content (YAML, or base64 of it)
                              credential: the password is the kubeconfig's content, or a bearer
                              token (then RunEscapeKubeServer, and RunEscapeKubeCA if the server's
                              certificate is not publicly trusted); the user name is not used
                              environment: the content, as for the variable
      RunEscapeKubeToken      environment only: a bearer token (as the credential's password)
      RunEscapeKubeServer     API server URL for a token (https://…)
      RunEscapeKubeCA         base64 PEM of the cluster's CA certificate, for a token
      RunEscapeContext        kubeconfig context (default: its current-context)
      RunEscapeNamespace      namespace (default: the context's)
      RunEscapeSelector       label selector (default: every pod, or RunEscapeTargets)
    The kubeconfig is written to a temporary file only the job's user can read (0600), passed to
    Invoke-Capsule with -Kubeconfig, and deleted when the runbook ends, whatever happens.

    Containers (a Hybrid Runbook Worker with the engine; a cloud sandbox has none):
      RunEscapeEngineUri      engine endpoint (default: the worker's Docker or Podman socket)

    Both:
      RunEscapeTargets        comma-separated container or pod names or wildcards (default: *)
      RunEscapeCpuThreshold   CPU% at which a process is reported (default: 80)

    Output: one RunEscape.Examples.TopAlert object per process at or above the threshold, and a
    last RunEscape.Examples.SweepSummary object (Mode, Targets, Alerts, Errors, Threshold,
    Finished). A target that fails is a warning and counts as an error; the runbook fails
    (throws) when the engine or the cluster cannot be used at all, so the job shows Failed.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'

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

function Get-KubeSecret {
    # The credential's password (kubeconfig content or token), if the Automation credential exists.
    if (Get-Command Get-AutomationPSCredential -ErrorAction SilentlyContinue) {
        try { $c = Get-AutomationPSCredential -Name 'RunEscapeKubeconfig' } catch { $c = $null }
        if ($c) { return $c.GetNetworkCredential().Password }
    }
    return $null
}

function ConvertTo-KubeconfigText([string] $Secret) {
    # Kubeconfig YAML or JSON as it is; base64 of one decoded; anything else is a bearer token.
    $s = $Secret.Trim()
    if ($s -match '(?m)^\s*(apiVersion|clusters|contexts)\s*:' -or $s.StartsWith('{')) { return $s }
    try {
        $decoded = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($s))
        if ($decoded -match '(?m)^\s*(apiVersion|clusters|contexts)\s*:') { return $decoded }
    }
    catch [FormatException] { }
    $server = Get-Setting 'RunEscapeKubeServer' ''
    if (-not $server) { throw [ArgumentException]::new('RunEscapeKubeconfig holds a token, but RunEscapeKubeServer (the API server URL) is not set.') }
    $ca = Get-Setting 'RunEscapeKubeCA' ''
    $cluster = if ($ca) { "    certificate-authority-data: $ca`n" } else { '' }
    return "apiVersion: v1`nkind: Config`nclusters:`n- name: cluster`n  cluster:`n    server: $server`n$cluster" +
        "users:`n- name: runbook`n  user:`n    token: $s`ncontexts:`n- name: runbook`n  context:`n    cluster: cluster`n    user: runbook`ncurrent-context: runbook`n"
}

function New-PrivateFile([string] $Text) {
    # A new temporary file that only the current user can read, then the text written into it.
    $path = Join-Path ([IO.Path]::GetTempPath()) ("runescape-{0}.kubeconfig" -f [guid]::NewGuid().ToString('N'))
    if ($IsWindows) {
        $null = New-Item -ItemType File -Path $path
        $acl = Get-Acl -Path $path
        $acl.SetAccessRuleProtection($true, $false)
        foreach ($rule in @($acl.Access)) { $null = $acl.RemoveAccessRule($rule) }
        $me = [Security.Principal.WindowsIdentity]::GetCurrent().User
        $acl.AddAccessRule([Security.AccessControl.FileSystemAccessRule]::new($me, 'FullControl', 'Allow'))
        Set-Acl -Path $path -AclObject $acl
        [IO.File]::WriteAllText($path, $Text)
    }
    else {
        $options = [IO.FileStreamOptions]@{ Mode = 'CreateNew'; Access = 'Write'; UnixCreateMode = [IO.UnixFileMode]'UserRead, UserWrite' }
        $stream = [IO.FileStream]::new($path, $options)
        try { $bytes = [Text.Encoding]::UTF8.GetBytes($Text); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
    }
    return $path
}

if (-not (Get-Module RunEscape)) { Import-Module RunEscape }

$targets = @((Get-Setting 'RunEscapeTargets' '*') -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
$threshold = [double](Get-Setting 'RunEscapeCpuThreshold' '80')
$secret = Get-KubeSecret
if (-not $secret) { $secret = Get-Setting 'RunEscapeKubeconfig' '' }
if (-not $secret) { $secret = Get-Setting 'RunEscapeKubeToken' '' }
$namespace = Get-Setting 'RunEscapeNamespace' ''
$podMode = [bool]$secret -or [bool]$namespace

$kubeconfigFile = $null
$alerts = 0
$failed = 0
$swept = 0
try {
    if ($podMode) {
        $cluster = @{}
        if ($secret) {
            $kubeconfigFile = New-PrivateFile (ConvertTo-KubeconfigText $secret)
            $cluster.Kubeconfig = $kubeconfigFile
        }
        $context = Get-Setting 'RunEscapeContext' ''
        if ($context) { $cluster.Context = $context }
        if ($namespace) { $cluster.Namespace = $namespace }
        $mode = 'pods'
        # Fail early, and visibly, when the cluster cannot be used (bad kubeconfig, unreachable, no rights to list pods).
        $null = Get-Capsule -Kubernetes @cluster
        $selector = Get-Setting 'RunEscapeSelector' ''
        $call = if ($selector) { @{ Selector = $selector } + $cluster } else { @{ Pod = $targets } + $cluster }
        $sweeps = @(, $call)
    }
    else {
        $engineUri = Get-Setting 'RunEscapeEngineUri' ''
        $engine = if ($engineUri) { @{ EngineUri = $engineUri } } else { @{} }
        $mode = 'containers'
        # Fail early, and visibly, when the engine cannot be reached (ConnectionError).
        $null = Get-Capsule @engine
        # Wildcards are matched against the running containers, which the -Container argument
        # completer gets from the engine; plain names are used as they are.
        $line = "Invoke-Capsule top $(if ($engineUri) { "-EngineUri '$engineUri' " })-Container "
        $selected = @(foreach ($t in $targets) {
            if ([WildcardPattern]::ContainsWildcardCharacters($t)) {
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText | Where-Object { $_ -like $t }
            }
            else { $t }
        }) | Select-Object -Unique
        $sweeps = @(foreach ($t in $selected) { @{ Container = $t } + $engine })
    }

    foreach ($sweep in $sweeps) {
        $processes = @(Invoke-Capsule -Utility top @sweep -ErrorAction SilentlyContinue -ErrorVariable capsuleErrors)
        foreach ($e in $capsuleErrors) { $failed++; Write-Warning ("{0}: {1}" -f $e.TargetObject, $e.Exception.Message) }
        $swept += @($processes.Target | Select-Object -Unique).Count
        foreach ($p in $processes | Where-Object CPU -ge $threshold) {
            $alerts++
            [pscustomobject]@{
                PSTypeName = 'RunEscape.Examples.TopAlert'
                Time       = [DateTimeOffset]::UtcNow
                Target     = $p.Target
                PID        = $p.PID
                CPU        = $p.CPU
                ResidentMB = if ($null -ne $p.ResidentMemory) { [math]::Round($p.ResidentMemory / 1MB, 1) } else { $null }
                Reason     = "CPU $($p.CPU)% >= $threshold%"
                Command    = $p.Command
            }
        }
    }
}
finally {
    if ($kubeconfigFile) { Remove-Item -LiteralPath $kubeconfigFile -Force -ErrorAction SilentlyContinue }
}

[pscustomobject]@{
    PSTypeName = 'RunEscape.Examples.SweepSummary'
    Mode       = $mode
    Targets    = $swept
    Alerts     = $alerts
    Errors     = $failed
    Threshold  = $threshold
    Finished   = [DateTimeOffset]::UtcNow
}
