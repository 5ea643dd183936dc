# The headline on Kubernetes: Invoke-Capsule -Pod against the loopback API double
# (tests/RunEscape.KubeApiDouble, run standalone), whose pods are containers on Docker Engine.

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $version = (Get-Module RunEscape).Version.ToString()
    $double = Get-ChildItem (Join-Path $PSScriptRoot '../RunEscape.KubeApiDouble/bin') -Recurse -Filter RunEscape.KubeApiDouble.dll |
        Where-Object { $_.Directory.Name -eq 'net10.0' } | Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $double) { throw 'The API double is not built: run ./build.ps1 Test.' }
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($double.FullName, 'unix:///var/run/docker.sock', 'web-1', "runescape/sample-app:$version")) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $script:Double = [Diagnostics.Process]::Start($psi)
    $script:Kubeconfig = $null
    while ($null -ne ($line = $script:Double.StandardOutput.ReadLine())) {
        if ($line -like 'KUBECONFIG=*') { $script:Kubeconfig = $line.Substring(11) }
        if ($line -eq 'READY') { break }
    }
    if (-not $script:Kubeconfig) { throw 'The API double did not start.' }
    Start-Sleep -Seconds 2
}

AfterAll {
    if ($script:Double) {
        # Closing stdin stops the double, which deletes its pods and their containers.
        $script:Double.StandardInput.Close()
        if (-not $script:Double.WaitForExit(30000)) { $script:Double.Kill($true) }
        $script:Double.Dispose()
    }
}

Describe 'Invoke-Capsule -Pod (Kubernetes API double)' {
    It 'returns the target container''s burner first, and its PID 1' {
        $processes = Invoke-Capsule -Utility top -Pod web-1 -Kubeconfig $script:Kubeconfig | Sort-Object CPU -Descending
        $processes[0].Command | Should -Be 'md5sum /dev/zero'
        ($processes | Where-Object PID -eq 1).Command | Should -BeLike '/usr/bin/xargs -a /etc/sample/jobs*'
        $processes[0].Target | Should -Be 'web-1'
    }

    It 'takes pods from the pipeline as kubectl JSON items' {
        $item = '{"metadata":{"name":"web-1","namespace":"default"}}' | ConvertFrom-Json
        $result = $item | Invoke-Capsule top -Kubeconfig $script:Kubeconfig -PassThru
        $result.Engine | Should -Be 'kubernetes'
        $result.CapsuleName | Should -Match '^capsule-top-[0-9a-f]{8}$'
    }

    It 'reports an unknown pod as ObjectNotFound and goes on' {
        $out = Invoke-Capsule top -Pod nope, web-1 -Kubeconfig $script:Kubeconfig -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'default/nope'
        $out.Count | Should -BeGreaterOrEqual 4
    }

    It 'reads -Kubeconfig as PowerShell paths go: relative to the current location' {
        Push-Location (Split-Path $script:Kubeconfig)
        try {
            $out = Invoke-Capsule uptime -Pod web-1 -Kubeconfig (Join-Path . (Split-Path $script:Kubeconfig -Leaf))
            $out.Target | Should -Be 'web-1'
            @(Get-Capsule -Kubeconfig (Split-Path $script:Kubeconfig -Leaf)).Count | Should -BeGreaterOrEqual 1
        }
        finally { Pop-Location }
    }

    It 'a privileged capsule on a pod is confirmed with -Force, and shows as privileged' {
        # The double runs pods under the privileged Pod Security level; the engine here may still
        # refuse a privileged container (the sandbox lacks capabilities), but the pod spec says it.
        $null = Invoke-Capsule uptime -Pod web-1 -Kubeconfig $script:Kubeconfig -Privileged -Force -ErrorAction SilentlyContinue
        $capsule = Get-Capsule -Kubeconfig $script:Kubeconfig | Where-Object Utility -eq 'uptime' | Where-Object Privileged | Select-Object -First 1
        $capsule | Should -Not -BeNullOrEmpty
        $capsule.Argv[-1] | Should -Be 'uptime'
    }

    It 'lists the capsules on the pod with Get-Capsule, terminated' {
        $capsules = Get-Capsule -Kubeconfig $script:Kubeconfig
        $capsules.Count | Should -BeGreaterOrEqual 2
        $capsules | Where-Object { -not $_.Privileged } | ForEach-Object { $_.State | Should -Be 'Terminated (0)' }
        $capsules[0].Id | Should -BeLike 'default/web-1/capsule-top-*'
    }
}
