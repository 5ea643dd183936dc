# The scripts in examples/ run as written against the local engines (build.ps1 Test sets
# RUNESCAPE_MODULE and RUNESCAPE_TEST_ENGINES). Pod examples are not here yet: pods are not targets.

BeforeDiscovery {
    $script:Engines = foreach ($pair in ($env:RUNESCAPE_TEST_ENGINES -split ';' | Where-Object { $_ })) {
        $name, $uri = $pair -split '=', 2
        @{ Engine = $name; Uri = $uri; Cli = $name }
    }
    if (-not $script:Engines) { throw 'RUNESCAPE_TEST_ENGINES is not set: run the tests through ./build.ps1 Test.' }
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

    It 'the runbook runs non-interactively from environment settings and reports the burner' {
        $saved = @{}
        foreach ($k in 'RunEscapeEngineUri', 'RunEscapeTargets', 'RunEscapeCpuThreshold') { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
        try {
            $env:RunEscapeEngineUri = $Uri
            $env:RunEscapeTargets = "$($script:Target), pester-ex-no-such-*"
            $env:RunEscapeCpuThreshold = '1'
            $lines = @(& (Join-Path $script:Examples 'runbook/RunEscape-Runbook.ps1'))
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
        $lines | Where-Object { $_ -like "ALERT $($script:Target) PID * :: md5sum /dev/zero" } | Should -Not -BeNullOrEmpty -Because ($lines -join "`n")
        $lines[-1] | Should -Match '1 container\(s\), [1-9]\d* alert\(s\), 0 error\(s\), threshold 1% CPU'
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
