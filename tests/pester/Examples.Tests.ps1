# The scripts in examples/ run as written against the local engines (build.ps1 Test sets
# RUNESCAPE_MODULE and RUNESCAPE_TEST_ENGINES), and their pod modes against the Kubernetes API
# double (tests/pester/KubeDouble.ps1), whose pods are containers on Docker Engine.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = Get-TestEngines
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Examples = Join-Path $PSScriptRoot '../../examples'
    $script:Version = (Get-Module RunEscape).Version.ToString()
}

Describe 'examples/ on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = "pester-ex-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        & $Cli run -d --name $script:Target --label io.runescape.test=true "runescape/sample-app:$script:Version" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "$Cli could not start $script:Target" }
        Start-Sleep -Seconds 2
    }
    AfterAll {
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'Get-ContainerTop.ps1 shows and returns the processes of a local container' {
        $processes = & (Join-Path $script:Examples 'Get-ContainerTop.ps1') -Container $script:Target -EngineUri $Uri -First 3 -PassThru 6>$null
        $processes.Count | Should -BeGreaterOrEqual 4
        $processes.Command | Should -Contain 'md5sum /dev/zero'
        ($processes | Select-Object -First 1).Target | Should -Be $script:Target
    }

    It 'Watch-TopThreshold.ps1 alerts on the CPU burner only, as warnings, objects and CSV' {
        $csv = Join-Path $TestDrive "alerts-$Engine.csv"
        $alerts = & (Join-Path $script:Examples 'Watch-TopThreshold.ps1') -Container $script:Target -CpuThreshold 1 -EngineUri $Uri -CsvPath $csv -WarningVariable warnings -WarningAction SilentlyContinue
        $burner = @($alerts | Where-Object Command -eq 'md5sum /dev/zero')
        $burner.Count | Should -Be 1
        $burner[0].Target | Should -Be $script:Target
        $burner[0].PSObject.TypeNames[0] | Should -Be 'RunEscape.Examples.TopAlert'
        foreach ($a in $alerts) { $a.CPU | Should -BeGreaterOrEqual 1 }
        @($alerts | Where-Object Command -like 'sleep *') | Should -BeNullOrEmpty
        @($warnings | Where-Object { "$_" -like "*$($script:Target)*md5sum /dev/zero*CPU*" }) | Should -Not -BeNullOrEmpty
        $rows = Import-Csv $csv
        @($rows | Where-Object { $_.Command -eq 'md5sum /dev/zero' -and $_.Target -eq $script:Target }).Count | Should -Be 1
    }

    It 'Watch-TopThreshold.ps1 expands a wildcard to the running containers' {
        $prefix = $script:Target.Substring(0, $script:Target.Length - 2) + '*'
        $alerts = & (Join-Path $script:Examples 'Watch-TopThreshold.ps1') -Container $prefix -CpuThreshold 0 -EngineUri $Uri -WarningAction SilentlyContinue
        @($alerts.Target | Select-Object -Unique) | Should -Be @($script:Target)
        $alerts.Command | Should -Contain 'md5sum /dev/zero'
        & (Join-Path $script:Examples 'Watch-TopThreshold.ps1') -Container 'pester-ex-no-such-*' -CpuThreshold 0 -EngineUri $Uri | Should -BeNullOrEmpty
    }

    It 'Export-DiskUsage.ps1 writes the target''s filesystems to CSV' {
        $csv = Join-Path $TestDrive "disk-$Engine.csv"
        $rows = & (Join-Path $script:Examples 'Export-DiskUsage.ps1') -Container $script:Target -EngineUri $Uri -CsvPath $csv -AlertPercent 0
        $root = @($rows | Where-Object MountPoint -eq '/')
        $root.Count | Should -Be 1
        $root[0].Target | Should -Be $script:Target
        $root[0].SizeMB | Should -BeGreaterThan 0
        $root[0].Alert | Should -BeTrue
        $saved = Import-Csv $csv
        $saved.Count | Should -Be @($rows).Count
        @($saved | Where-Object { $_.MountPoint -eq '/' -and $_.Target -eq $script:Target }).Count | Should -Be 1
    }

    It 'the runbook runs non-interactively from environment settings and reports the burner' {
        $saved = @{}
        foreach ($k in 'RunEscapeEngineUri', 'RunEscapeTargets', 'RunEscapeCpuThreshold') { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
        try {
            $env:RunEscapeEngineUri = $Uri
            $env:RunEscapeTargets = "$($script:Target), pester-ex-no-such-*"
            $env:RunEscapeCpuThreshold = '1'
            $out = @(& (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1') -WarningAction SilentlyContinue)
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
        $alerts = @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'RunEscape.Examples.TopAlert' })
        @($alerts | Where-Object { $_.Target -eq $script:Target -and $_.Command -eq 'md5sum /dev/zero' }).Count | Should -Be 1 -Because ($out | Out-String)
        $summary = $out[-1]
        $summary.PSObject.TypeNames[0] | Should -Be 'RunEscape.Examples.SweepSummary'
        $summary.Mode | Should -Be 'containers'
        $summary.Targets | Should -Be 1
        $summary.Alerts | Should -Be $alerts.Count
        $summary.Errors | Should -Be 0
        $summary.Threshold | Should -Be 1
    }
}

Describe 'examples/ on Kubernetes pods (API double)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'KubeDouble.ps1')
        # shop/web-1 runs the CPU burner and carries app=web; shop/db-1 has no burner.
        $script:Double = Start-KubeDouble -Argument 'shop/web-1,app=web', "runescape/sample-app:$script:Version", 'shop/db-1,app=db', "runescape/sample-net:$script:Version"
        $script:RunbookSettings = 'RunEscapeKubeconfig', 'RunEscapeKubeToken', 'RunEscapeKubeServer', 'RunEscapeNamespace', 'RunEscapeCpuThreshold', 'RunEscapeEngineUri', 'RunEscapeTargets', 'RunEscapeSelector'
        Start-Sleep -Seconds 2
    }
    AfterAll {
        Stop-KubeDouble $script:Double
    }
    BeforeEach {
        foreach ($k in $script:RunbookSettings) { if ([Environment]::GetEnvironmentVariable($k)) { throw "$k is set in the environment; the runbook tests need it unset." } }
    }

    It 'Watch-TopThreshold.ps1 -Namespace sweeps every pod and alerts on the burner only' {
        $csv = Join-Path $TestDrive 'pod-alerts.csv'
        $alerts = & (Join-Path $script:Examples 'Watch-TopThreshold.ps1') -Namespace shop -Kubeconfig $script:Double.Kubeconfig -CpuThreshold 1 -CsvPath $csv -WarningVariable warnings -WarningAction SilentlyContinue
        @($alerts | Where-Object Command -eq 'md5sum /dev/zero').Count | Should -Be 1
        @($alerts.Target | Select-Object -Unique) | Should -Be @('web-1')
        @($warnings | Where-Object { "$_" -like '*web-1*md5sum /dev/zero*CPU*' }) | Should -Not -BeNullOrEmpty
        @(Import-Csv $csv | Where-Object { $_.Command -eq 'md5sum /dev/zero' -and $_.Target -eq 'web-1' }).Count | Should -Be 1
    }

    It 'Watch-TopThreshold.ps1 -Selector and -Pod wildcards pick the pods' {
        $bySelector = & (Join-Path $script:Examples 'Watch-TopThreshold.ps1') -Namespace shop -Selector app=db -Kubeconfig $script:Double.Kubeconfig -CpuThreshold 0 -WarningAction SilentlyContinue
        @($bySelector.Target | Select-Object -Unique) | Should -Be @('db-1')
        $byWildcard = & (Join-Path $script:Examples 'Watch-TopThreshold.ps1') -Pod 'shop/web-*' -Kubeconfig $script:Double.Kubeconfig -CpuThreshold 0 -WarningAction SilentlyContinue
        @($byWildcard.Target | Select-Object -Unique) | Should -Be @('web-1')
    }

    It 'Export-DiskUsage.ps1 -Namespace writes every pod''s filesystems to CSV' {
        $csv = Join-Path $TestDrive 'pod-disk.csv'
        $rows = & (Join-Path $script:Examples 'Export-DiskUsage.ps1') -Namespace shop -Kubeconfig $script:Double.Kubeconfig -CsvPath $csv
        @($rows | Where-Object MountPoint -eq '/' | ForEach-Object Target | Sort-Object) | Should -Be @('db-1', 'web-1')
        $saved = Import-Csv $csv
        $saved.Count | Should -Be @($rows).Count
        ($saved | Where-Object { $_.Target -eq 'db-1' -and $_.MountPoint -eq '/' }).UsePercent | Should -Match '^\d+(\.\d+)?$'
        $alertsOnly = & (Join-Path $script:Examples 'Export-DiskUsage.ps1') -Pod db-1 -Namespace shop -Kubeconfig $script:Double.Kubeconfig -CsvPath $csv -AlertPercent 100 -AlertOnly
        $alertsOnly | Should -BeNullOrEmpty
        @(Import-Csv $csv | ForEach-Object Target | Select-Object -Unique) | Should -Be @('db-1')
    }

    It 'the runbook reads the kubeconfig from an Automation variable, keeps it in a 0600 temp file and deletes it' {
        $kubeconfigText = Get-Content -Raw $script:Double.Kubeconfig
        $variables = @{ RunEscapeKubeconfig = $kubeconfigText; RunEscapeNamespace = 'shop'; RunEscapeCpuThreshold = '1' }
        # Stand-ins for the Automation sandbox's cmdlets; the Get-Capsule wrapper sees the temp file while the runbook runs.
        function Get-AutomationVariable([string] $Name) { $variables[$Name] }
        $seen = @{}
        function Get-Capsule {
            param([switch] $Kubernetes, [string] $Kubeconfig, [string] $Context, [string] $Namespace)
            $seen.Path = $Kubeconfig
            $seen.Mode = (Get-Item -LiteralPath $Kubeconfig).UnixFileMode
            $seen.Text = Get-Content -Raw -LiteralPath $Kubeconfig
            RunEscape\Get-Capsule @PSBoundParameters
        }
        $out = @(& (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1') -WarningAction SilentlyContinue)

        $seen.Mode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        $seen.Text.Trim() | Should -Be $kubeconfigText.Trim()
        $seen.Path | Should -Not -Be $script:Double.Kubeconfig
        $seen.Path | Should -Not -Exist
        @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'RunEscape.Examples.TopAlert' -and $_.Target -eq 'web-1' -and $_.Command -eq 'md5sum /dev/zero' }).Count | Should -Be 1 -Because ($out | Out-String)
        $summary = $out[-1]
        $summary.Mode | Should -Be 'pods'
        $summary.Targets | Should -Be 2
        $summary.Errors | Should -Be 0
    }

    It 'the runbook takes a token from an Automation credential, with the server from a variable' {
        $token = (Get-Content $script:Double.Kubeconfig | Where-Object { $_ -match '^\s*token:' }) -replace '^\s*token:\s*', ''
        $variables = @{ RunEscapeKubeServer = $script:Double.Server; RunEscapeNamespace = 'shop'; RunEscapeTargets = 'db-1'; RunEscapeCpuThreshold = '0' }
        function Get-AutomationVariable([string] $Name) { $variables[$Name] }
        function Get-AutomationPSCredential([string] $Name) {
            if ($Name -ne 'RunEscapeKubeconfig') { throw "no credential $Name" }
            [pscredential]::new('runbook', (ConvertTo-SecureString $token -AsPlainText -Force))
        }
        $before = @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'runescape-*.kubeconfig' | ForEach-Object FullName)
        $out = @(& (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1') -WarningAction SilentlyContinue)

        $alerts = @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'RunEscape.Examples.TopAlert' })
        $alerts.Count | Should -BeGreaterOrEqual 1 -Because ($out | Out-String)
        @($alerts.Target | Select-Object -Unique) | Should -Be @('db-1')
        $out[-1].Mode | Should -Be 'pods'
        @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'runescape-*.kubeconfig' | ForEach-Object FullName | Where-Object { $_ -notin $before }) | Should -BeNullOrEmpty
    }

    It 'the runbook fails with PermissionDenied on a refused token and still deletes the temp kubeconfig' {
        $variables = @{ RunEscapeKubeServer = $script:Double.Server; RunEscapeNamespace = 'shop' }
        function Get-AutomationVariable([string] $Name) { $variables[$Name] }
        function Get-AutomationPSCredential([string] $Name) { [pscredential]::new('runbook', (ConvertTo-SecureString 'not-the-token' -AsPlainText -Force)) }
        $seen = @{}
        function Get-Capsule {
            param([switch] $Kubernetes, [string] $Kubeconfig, [string] $Context, [string] $Namespace)
            $seen.Path = $Kubeconfig
            $seen.Existed = Test-Path -LiteralPath $Kubeconfig
            RunEscape\Get-Capsule @PSBoundParameters
        }
        { & (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1') } | Should -Throw -ErrorId 'PermissionDenied*'
        $seen.Existed | Should -BeTrue
        $seen.Path | Should -Not -Exist
    }

    It 'the runbook takes the kubeconfig from the environment outside Automation' {
        $saved = @{ K = $env:RunEscapeKubeconfig; N = $env:RunEscapeNamespace; T = $env:RunEscapeTargets; C = $env:RunEscapeCpuThreshold }
        try {
            $env:RunEscapeKubeconfig = [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Double.Kubeconfig))
            $env:RunEscapeNamespace = 'shop'
            $env:RunEscapeTargets = 'web-*'
            $env:RunEscapeCpuThreshold = '1'
            $out = @(& (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1') -WarningAction SilentlyContinue)
        }
        finally { $env:RunEscapeKubeconfig = $saved.K; $env:RunEscapeNamespace = $saved.N; $env:RunEscapeTargets = $saved.T; $env:RunEscapeCpuThreshold = $saved.C }
        @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'RunEscape.Examples.TopAlert' -and $_.Command -eq 'md5sum /dev/zero' }).Count | Should -Be 1 -Because ($out | Out-String)
        $out[-1].Targets | Should -Be 1
    }
}

Describe 'The runbook without an engine' {
    It 'fails with a ConnectionError, so the Automation job shows Failed' {
        $saved = $env:RunEscapeEngineUri
        try {
            $env:RunEscapeEngineUri = 'unix:///nonexistent/runescape-engine.sock'
            { & (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1') } | Should -Throw -ErrorId 'EngineUnreachable*'
        }
        finally { $env:RunEscapeEngineUri = $saved }
    }
}
