# Starts the Kubernetes API double (tests/RunEscape.KubeApiDouble, built by ./build.ps1 Test) standalone
# on loopback, its pods running as containers on Docker Engine. Dot-source this file, then:
#   $d = Start-KubeDouble -Argument 'web-1', $image, 'shop/cart-1,app=cart', $image [-ListNamespaces]
#   ... $d.Kubeconfig, $d.Server ...
#   Stop-KubeDouble $d      # closes its stdin: it deletes its pods and their containers

function Start-KubeDouble([string[]] $Argument = @(), [switch] $ListNamespaces) {
    $dll = Get-ChildItem (Join-Path $PSScriptRoot '../RunEscape.KubeApiDouble/bin') -Recurse -Filter RunEscape.KubeApiDouble.dll |
        Where-Object { $_.Directory.Name -eq 'net10.0' } | Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $dll) { throw 'The API double is not built: run ./build.ps1 Test.' }
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($dll.FullName)
    $psi.ArgumentList.Add('unix:///var/run/docker.sock')
    if ($ListNamespaces) { $psi.ArgumentList.Add('--list-namespaces') }
    foreach ($a in $Argument) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $kubeconfig = $null
    while ($null -ne ($line = $process.StandardOutput.ReadLine())) {
        if ($line -like 'KUBECONFIG=*') { $kubeconfig = $line.Substring(11) }
        if ($line -eq 'READY') { break }
    }
    if (-not $kubeconfig) {
        if (-not $process.HasExited) { $process.Kill($true) }
        throw 'The API double did not start.'
    }
    $server = (Get-Content $kubeconfig | Where-Object { $_ -match '^\s*server:\s*(\S+)' } | Select-Object -First 1) -replace '^\s*server:\s*', ''
    [pscustomobject]@{ Process = $process; Kubeconfig = $kubeconfig; Server = $server }
}

function Stop-KubeDouble($Double) {
    if (-not $Double) { return }
    $Double.Process.StandardInput.Close()
    if (-not $Double.Process.WaitForExit(30000)) { $Double.Process.Kill($true) }
    $Double.Process.Dispose()
}

function New-KubeconfigFile([string] $Path, [string] $Server, [object[]] $Contexts, [string] $Current) {
    # A kubeconfig with the double's token and one context per @{ Name; Namespace; Server } (Server: else $Server).
    $clusters = @{}
    $lines = @('apiVersion: v1', 'kind: Config', 'clusters:')
    foreach ($c in $Contexts) {
        $s = if ($c.Server) { $c.Server } else { $Server }
        if (-not $clusters.ContainsKey($s)) {
            $clusters[$s] = "c$($clusters.Count)"
            $lines += "- name: $($clusters[$s])", '  cluster:', "    server: $s"
        }
    }
    $lines += 'users:', '- name: runescape', '  user:', '    token: runescape-double-token', 'contexts:'
    foreach ($c in $Contexts) {
        $s = if ($c.Server) { $c.Server } else { $Server }
        $lines += "- name: `"$($c.Name)`"", '  context:', "    cluster: $($clusters[$s])", '    user: runescape'
        if ($c.Namespace) { $lines += "    namespace: $($c.Namespace)" }
    }
    $lines += "current-context: `"$Current`""
    Set-Content -Path $Path -Value $lines
    $Path
}
