# Cmdlet-level tests of the main job against real Docker Engine and Podman.
# build.ps1 Test sets RUNESCAPE_MODULE (the built module) and RUNESCAPE_TEST_ENGINES.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = Get-TestEngines
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Version = (Get-Module RunEscape).Version.ToString()
    function New-Target([string] $Cli, [string] $Prefix, [switch] $Stopped) {
        $name = "$Prefix-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        [string[]] $verb = if ($Stopped) { 'create' } else { 'run', '-d' }
        & $Cli @verb --name $name --label io.runescape.test=true "runescape/sample-app:$script:Version" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "$Cli could not start $name" }
        return $name
    }
    function Get-LeftCapsules([string] $Cli, [string] $Target) {
        @(& $Cli ps -a -q --filter label=io.runescape.capsule=true --filter "label=io.runescape.target=$Target")
    }
}

Describe 'Invoke-Capsule on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = New-Target $Cli 'pester-top'
        Start-Sleep -Seconds 2
    }
    AfterAll {
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'returns process objects whose first by CPU is the burner, and PID 1 of the target' {
        $processes = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri
        $processes.Count | Should -BeGreaterOrEqual 4
        $top = $processes | Sort-Object CPU -Descending | Select-Object -First 1
        $top.Command | Should -Be 'md5sum /dev/zero'
        $top.PSObject.TypeNames[0] | Should -Be 'RunEscape.Parsers.TopProcess'
        ($processes | Where-Object PID -eq 1).Command | Should -BeLike '/usr/bin/xargs -a /etc/sample/jobs*'
        Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
    }

    It 'formats as a table with the default view' {
        $text = Invoke-Capsule top $script:Target -EngineUri $Uri | Sort-Object CPU -Descending | Select-Object -First 3 | Format-Table | Out-String -Width 200
        $text | Should -Match 'PID\s+User\s+S\s+CPU%'
        $text | Should -Match 'md5sum /dev/zero'
    }

    It 'takes the target from the pipeline and puts the summary on the information stream' {
        $processes = $script:Target | Invoke-Capsule -Utility top -EngineUri $Uri -InformationVariable info
        $processes | Should -Not -BeNullOrEmpty
        $summary = $info | Where-Object { 'Summary' -in $_.Tags } | Select-Object -First 1
        $summary.MessageData.TasksTotal | Should -BeGreaterOrEqual 4
    }

    It '-Raw returns the text lines and -PassThru one result with timings' {
        $lines = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -Raw
        $lines | Should -BeOfType [string]
        $lines[0] | Should -BeLike 'top - *'
        $result = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -PassThru
        $result.ExitCode | Should -Be 0
        $result.Engine | Should -Be $Engine
        $result.Items.Count | Should -BeGreaterOrEqual 4
        $result.Timings.Total | Should -BeGreaterThan ([timespan]::Zero)
        $result.SharedNamespaces | Should -Contain 'pid'
    }

    It '-ArgumentList reaches the utility as argv' {
        $processes = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '-p', '1'
        @($processes).Count | Should -Be 1
        $processes.PID | Should -Be 1
    }

    It 'a utility that prints nothing but complains is an error, even with exit code 0' {
        # procps-ng top exits 0 on an unknown option.
        Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '--bogus' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $err[0].Exception.Message | Should -Match 'unrecognized option'
    }

    It 'BusyBox top works against the same target' {
        $processes = Invoke-Capsule -Utility top-busybox -Container $script:Target -EngineUri $Uri
        ($processes | Sort-Object CPU -Descending | Select-Object -First 1).Command | Should -Be 'md5sum /dev/zero'
        $processes[0].Variant | Should -Be 'busybox'
    }

    It 'a forced timeout is an OperationTimeout error and leaves no capsule' {
        Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '-d', '1', '-n', '1000' -TimeoutSec 2 -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err[0].TargetObject | Should -Be $script:Target
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'TimeoutSec'
        Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
    }

    It 'a stderr flood is 20 warnings and a count, and a failing utility quotes its stderr cut short' {
        $image = "runescape/capsule-busybox:$script:Version"
        Register-CapsuleUtility -Name pester-errflood-$Engine -Image $image -Command awk, 'BEGIN{for(i=0;i<500;i++) print "line " i > "/dev/stderr"; print "ok"}' -Parser lines -Namespace pid
        Register-CapsuleUtility -Name pester-errfail-$Engine -Image $image -Command awk, 'BEGIN{s="x"; for(i=0;i<14;i++) s=s s; print s > "/dev/stderr"; exit 1}' -Parser lines -Namespace pid
        $null = Invoke-Capsule -Utility pester-errflood-$Engine -Container $script:Target -EngineUri $Uri -WarningVariable warn -WarningAction SilentlyContinue
        $warn.Count | Should -Be 21
        $warn[0].Message | Should -BeLike '*: line 0'
        $warn[20].Message | Should -Match '480 more lines'
        $null = Invoke-Capsule -Utility pester-errfail-$Engine -Container $script:Target -EngineUri $Uri -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UtilityFailed*'
        $err[0].Exception.Message.Length | Should -BeLessThan 2200
        $err[0].Exception.Message | Should -Match '\(16384 characters\)'
        Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
    }

    It 'output beyond -MaxOutputBytes is cut off with a warning, the capsule stopped and removed' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '-d', '0.1', '-n', '100000' -MaxOutputBytes 4096 -TimeoutSec 60 -PassThru -WarningVariable warn -WarningAction SilentlyContinue
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
        $result.OutputTruncated | Should -BeTrue
        [Text.Encoding]::UTF8.GetByteCount($result.StandardOutput) | Should -BeLessOrEqual 4096
        ($warn -join ' ') | Should -Match 'MaxOutputBytes'
        Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
    }

    It 'short lines stop at -MaxOutputLines: that many records, a warning naming the cap, the capsule stopped and removed' {
        Register-CapsuleUtility -Name pester-yes-$Engine -Image "runescape/capsule-busybox:$script:Version" -Command yes -Parser lines -Namespace pid -TimeoutSec 60
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $count = Invoke-Capsule -Utility pester-yes-$Engine -Container $script:Target -EngineUri $Uri -MaxOutputLines 5000 -WarningVariable warn -WarningAction SilentlyContinue | Measure-Object | ForEach-Object Count
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
        $count | Should -Be 5000
        $warn.Count | Should -Be 1
        $warn[0].Message | Should -Match 'reached -MaxOutputLines \(5000 lines\).*capsule was stopped'
        $result = Invoke-Capsule -Utility pester-yes-$Engine -Container $script:Target -EngineUri $Uri -MaxOutputLines 3 -PassThru -WarningAction SilentlyContinue
        $result.OutputTruncatedBy | Should -Be 'Lines'
        $result.StandardOutput | Should -BeExactly "y`ny`ny`n"
        $result.Items.Count | Should -Be 3
        Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
    }

    It 'top cut off by a cap mid-frame returns the last whole frame, not the cut one' {
        $frame = @(Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '-n', '1' -Raw).Count
        # Two whole frames and three lines of the third (its first summary lines).
        $result = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '-d', '0.2', '-n', '100' -MaxOutputLines (2 * $frame + 3) -PassThru -WarningAction SilentlyContinue
        $result.OutputTruncatedBy | Should -Be 'Lines'
        $result.Summary.Count | Should -Be 1
        $result.Summary[0].MemoryTotal | Should -BeGreaterThan 0
        $result.Items.Count | Should -BeGreaterThan 2
        ($result.Items.Command -join ' ') | Should -Match 'md5sum'
    }

    It 'lines no parser reads are 20 ParserError errors and a warning counting the rest' {
        Register-CapsuleUtility -Name pester-badkv-$Engine -Image "runescape/capsule-busybox:$script:Version" -Command seq, 1, 300 -Parser keyvalue -Namespace pid
        $null = Invoke-Capsule -Utility pester-badkv-$Engine -Container $script:Target -EngineUri $Uri -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue
        $err.Count | Should -Be 20
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ParserError*'
        $warn.Count | Should -Be 1
        $warn[0].Message | Should -Match '280 more lines .* could not be parsed'
        (Invoke-Capsule -Utility pester-badkv-$Engine -Container $script:Target -EngineUri $Uri -PassThru -ErrorAction SilentlyContinue -WarningAction SilentlyContinue).ParseIssues.Count | Should -Be 300
    }

    Context 'bad input' {
        It 'unknown utility: ObjectNotFound, terminating, nothing created' {
            { Invoke-Capsule -Utility no-such-tool -Container $script:Target -EngineUri $Uri } | Should -Throw -ErrorId 'UtilityNotFound,RunEscape.PowerShell.Commands.InvokeCapsuleCommand'
            try { Invoke-Capsule -Utility no-such-tool -Container $script:Target -EngineUri $Uri } catch { $e = $_ }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.TargetObject | Should -Be 'no-such-tool'
            $e.ErrorDetails.RecommendedAction | Should -Match 'Get-CapsuleCatalog'
            Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
        }

        It 'unknown container: ObjectNotFound naming the container' {
            Invoke-Capsule -Utility top -Container no-such-container -EngineUri $Uri -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].FullyQualifiedErrorId | Should -Be 'TargetNotFound,RunEscape.PowerShell.Commands.InvokeCapsuleCommand'
            $err[0].TargetObject | Should -Be 'no-such-container'
        }

        It 'stopped container: ResourceUnavailable, no capsule left' {
            $stopped = New-Target $Cli 'pester-stopped' -Stopped
            try {
                Invoke-Capsule -Utility top -Container $stopped -EngineUri $Uri -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
                $err[0].TargetObject | Should -Be $stopped
                $err[0].ErrorDetails.RecommendedAction | Should -Match 'start'
                Get-LeftCapsules $Cli $stopped | Should -BeNullOrEmpty
            }
            finally { & $Cli rm -f $stopped | Out-Null }
        }
        # A missing capsule image, a stopped pipeline, a killed client: Faults.Tests.ps1.
    }

    Context 'Get-Capsule and Remove-Capsule' {
        It 'lists a leftover capsule by label and removes it from the pipeline' {
            $created = [DateTimeOffset]::UtcNow
            $name = "capsule-top-$($script:Target)-left"
            & $Cli create --name $name --label io.runescape.capsule=true --label "io.runescape.target=$($script:Target)" --label io.runescape.utility=top `
                --label "io.runescape.created=$($created.ToString('o'))" --label "io.runescape.deadline=$($created.AddSeconds(-5).ToString('o'))" `
                --entrypoint sleep "runescape/capsule-busybox:$script:Version" 300 | Out-Null
            $listed = Get-Capsule -EngineUri $Uri -Target $script:Target
            $listed.Name | Should -Be $name
            $listed.Utility | Should -Be 'top'
            $listed.Expired | Should -BeTrue
            $listed.Age | Should -BeOfType [timespan]

            $listed | Remove-Capsule -WhatIf
            Get-LeftCapsules $Cli $script:Target | Should -Not -BeNullOrEmpty

            $listed | Remove-Capsule
            Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
            Get-Capsule -EngineUri $Uri -Target $script:Target | Should -BeNullOrEmpty
        }

        It 'Remove-Capsule without -Id removes orphans but not a capsule in flight, unless -Force' {
            $now = [DateTimeOffset]::UtcNow
            $common = @('--label', 'io.runescape.capsule=true', '--label', "io.runescape.target=$($script:Target)", '--label', 'io.runescape.utility=top',
                '--label', "io.runescape.created=$($now.ToString('o'))", '--label', "io.runescape.deadline=$($now.AddMinutes(5).ToString('o'))", '--entrypoint', 'sleep')
            & $Cli run -d --name "capsule-top-$($script:Target)-inflight" @common "runescape/capsule-busybox:$script:Version" 300 | Out-Null
            & $Cli create --name "capsule-top-$($script:Target)-orphan" @common "runescape/capsule-busybox:$script:Version" 300 | Out-Null
            (Get-Capsule -EngineUri $Uri -Target $script:Target).Count | Should -Be 2

            Remove-Capsule -EngineUri $Uri -Target $script:Target
            $left = Get-Capsule -EngineUri $Uri -Target $script:Target
            $left.Name | Should -Be "capsule-top-$($script:Target)-inflight"
            $left.State | Should -Be 'running'

            Remove-Capsule -EngineUri $Uri -Target $script:Target -Force
            Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
        }

        It 'Remove-Capsule -WhatIf names the capsule it would remove, and checks it exists' {
            Remove-Capsule -Id no-such-capsule -EngineUri $Uri -WhatIf -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'Remove-Capsule of an unknown id is ObjectNotFound' {
            Remove-Capsule -Id no-such-capsule -EngineUri $Uri -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].TargetObject | Should -Be 'no-such-capsule'
        }

        It 'Remove-Capsule refuses a container that is not a capsule' {
            Remove-Capsule -Id $script:Target -EngineUri $Uri -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            & $Cli inspect -f '{{.State.Running}}' $script:Target | Should -Be 'true'
        }
    }
}

Describe 'An unreachable engine' {
    It 'is a ConnectionError naming the endpoint' {
        $uri = 'unix:///tmp/runescape-no-engine.sock'
        { Invoke-Capsule -Utility top -Container web-1 -EngineUri $uri } | Should -Throw -ErrorId 'EngineUnreachable,RunEscape.PowerShell.Commands.InvokeCapsuleCommand'
        try { Invoke-Capsule -Utility top -Container web-1 -EngineUri $uri } catch { $e = $_ }
        $e.CategoryInfo.Category | Should -Be 'ConnectionError'
        $e.TargetObject | Should -Be $uri
        $e.ErrorDetails.RecommendedAction | Should -Match 'Bootstrap'
    }

    It 'Get-Capsule too' {
        { Get-Capsule -EngineUri 'unix:///tmp/runescape-no-engine.sock' } | Should -Throw -ErrorId 'EngineUnreachable,RunEscape.PowerShell.Commands.GetCapsuleCommand'
    }
}
