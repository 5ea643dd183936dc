# Argument completion of -Context, -Namespace and -Pod through TabExpansion2, as a user at the
# prompt gets it, against the Kubernetes API double (tests/pester/KubeDouble.ps1). The double
# enforces the documented namespaced Role, under which listing namespaces is forbidden.

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    . (Join-Path $PSScriptRoot 'KubeDouble.ps1')
    $version = (Get-Module RunEscape).Version.ToString()
    $image = "runescape/sample-net:$version"   # no CPU burner: these pods are only listed
    $script:Double = Start-KubeDouble -Argument 'web-1', $image, 'web-2', $image, 'shop/cart-1', $image

    # Contexts on the double (one with a space in its name, one with an apostrophe) and one on a
    # server nobody listens on.
    $script:Multi = New-KubeconfigFile -Path (Join-Path $TestDrive 'multi.kubeconfig') -Server $script:Double.Server -Current 'shop-admin' -Contexts @(
        @{ Name = 'shop-admin'; Namespace = 'shop' }
        @{ Name = 'dev cluster' }
        @{ Name = "ops's lab"; Namespace = 'shop' }
        @{ Name = 'elsewhere'; Namespace = 'payments'; Server = 'http://127.0.0.1:9' }
    )

    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

AfterAll {
    Stop-KubeDouble $script:Double
}

Describe 'Completion of -Context' {
    It 'offers the contexts of the -Kubeconfig typed, quoted where the tokenizer would split them' {
        $all = Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context "
        $all | Should -Be @("'dev cluster'", 'elsewhere', "'ops''s lab'", 'shop-admin')
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context sh" | Should -Be @('shop-admin')
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context 'dev" | Should -Be @("'dev cluster'")
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context *lab" | Should -Be @("'ops''s lab'")
    }

    It 'reads $env:KUBECONFIG when no -Kubeconfig is typed, for Get-Capsule and Remove-Capsule too' {
        $saved = $env:KUBECONFIG
        try {
            $env:KUBECONFIG = $script:Multi
            Complete 'Get-Capsule -Context e' | Should -Be @('elsewhere')
            Complete 'Remove-Capsule -Context sh' | Should -Be @('shop-admin')
            $env:KUBECONFIG = $script:Double.Kubeconfig
            Complete 'Invoke-Capsule top -Context ' | Should -Be @('double')
        }
        finally { $env:KUBECONFIG = $saved }
    }

    It 'offers nothing, and raises nothing, for a kubeconfig that does not exist' {
        $Error.Clear()
        Complete 'Invoke-Capsule top -Kubeconfig /nonexistent/kubeconfig -Context ' | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }
}

Describe 'Completion of -Namespace' {
    It 'falls back to the namespaces the kubeconfig names for the cluster when listing namespaces is forbidden' {
        # The double answers 403 to 'list namespaces'; the contexts on its cluster name shop and
        # (dev cluster names none) default. payments is another cluster's, kube-system is not named.
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Namespace " | Should -Be @('default', 'shop')
        Complete "Get-Capsule -Kubeconfig '$script:Multi' -Namespace s" | Should -Be @('shop')
        Complete "Remove-Capsule -Kubeconfig '$script:Multi' -Namespace *ef*" | Should -Be @('default')
    }

    It 'falls back to the kubeconfig for an unreachable cluster, within the completion budget' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context elsewhere -Namespace " | Should -Be @('payments')
        $sw.ElapsedMilliseconds | Should -BeLessThan 3000
    }

    It 'offers the cluster''s namespaces when a ClusterRole grants listing them' {
        $open = Start-KubeDouble -ListNamespaces -Argument 'shop/cart-9', "runescape/sample-net:$((Get-Module RunEscape).Version)"
        try {
            $names = Complete "Invoke-Capsule top -Kubeconfig '$($open.Kubeconfig)' -Namespace "
            $names | Should -Be @('default', 'kube-node-lease', 'kube-public', 'kube-system', 'shop')
            Complete "Invoke-Capsule top -Kubeconfig '$($open.Kubeconfig)' -Namespace kube-s" | Should -Be @('kube-system')
        }
        finally { Stop-KubeDouble $open }
    }
}

Describe 'Completion of -Pod' {
    It 'offers the running pods of the context''s namespace, wildcard-aware' {
        Complete "Invoke-Capsule top -Kubeconfig '$($script:Double.Kubeconfig)' -Pod " | Should -Be @('web-1', 'web-2')
        Complete "Invoke-Capsule top -Kubeconfig '$($script:Double.Kubeconfig)' -Pod *-2" | Should -Be @('web-2')
        Complete "Invoke-Capsule top -Kubeconfig '$($script:Double.Kubeconfig)' -Pod 'web-1" | Should -Be @('web-1')
    }

    It 'offers the pods of the -Namespace typed, and namespace/name for a word with a slash' {
        Complete "Invoke-Capsule top -Kubeconfig '$($script:Double.Kubeconfig)' -Namespace shop -Pod " | Should -Be @('cart-1')
        Complete "Invoke-Capsule top -Kubeconfig '$($script:Double.Kubeconfig)' -Pod shop/" | Should -Be @('shop/cart-1')
        Complete "Invoke-Capsule top -Kubeconfig '$($script:Double.Kubeconfig)' -Pod shop/*t-" | Should -Be @('shop/cart-1')
    }

    It 'follows the -Context typed to its namespace' {
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context shop-admin -Pod " | Should -Be @('cart-1')
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context 'dev cluster' -Pod w" | Should -Be @('web-1', 'web-2')
    }

    It 'offers nothing, without an error, when the cluster cannot be reached' {
        $Error.Clear()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Complete "Invoke-Capsule top -Kubeconfig '$script:Multi' -Context elsewhere -Pod " | Should -BeNullOrEmpty
        $sw.ElapsedMilliseconds | Should -BeLessThan 3000
        $Error.Count | Should -Be 0
    }
}
