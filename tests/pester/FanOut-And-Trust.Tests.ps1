# Fan-out (-ThrottleLimit, -AsJob, progress, stopping), -Privileged, the image policy, the audit
# trail and secret masking, against real Docker Engine and Podman.
# build.ps1 Test sets RUNESCAPE_MODULE (the built module) and RUNESCAPE_TEST_ENGINES.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = Get-TestEngines
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Version = (Get-Module RunEscape).Version.ToString()
    # 'nap': a capsule that takes a known while, so capsules are in flight long enough to watch.
    $script:Catalog = Join-Path $TestDrive 'nap.json'
    @{
        schemaVersion = '1.0'
        utilities     = @(@{ name = 'nap'; image = "runescape/capsule-busybox:$script:Version"; command = @('sh', '-c', 'sleep "$0"'); parser = 'lines'; namespaces = @('pid'); timeoutSec = 60 })
    } | ConvertTo-Json -Depth 5 | Set-Content $script:Catalog
    function New-Targets([string] $Cli, [string] $Prefix, [int] $Count, [string[]] $RunArgs = @()) {
        foreach ($i in 1..$Count) {
            $name = "$Prefix-$i-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
            & $Cli run -d --name $name --label io.runescape.test=true @RunArgs "runescape/sample-app:$script:Version" | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "$Cli could not start $name" }
            $name
        }
    }
    # The capsule names of these targets (Docker and Podman format 'ps' alike only for .Names).
    function Get-Capsules([string] $Cli, [string[]] $Targets) {
        @(foreach ($t in ($Targets | Select-Object -Unique)) {
            & $Cli ps -a --format '{{.Names}}' --filter label=io.runescape.capsule=true --filter "label=io.runescape.target=$t" | Where-Object { $_ }
        })
    }
    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 20) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Condition) { return $true }
            Start-Sleep -Milliseconds 100
        }
        return $false
    }
    # A PowerShell instance of its own (its streams, Stop(), no host to prompt) set to run Invoke-Capsule.
    function New-CapsuleShell([hashtable] $Parameters) {
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument($env:RUNESCAPE_MODULE).AddStatement().AddCommand('Invoke-Capsule').AddParameters($Parameters)
        return $ps
    }
    function Use-Environment([hashtable] $Values, [scriptblock] $Body) {
        $saved = @{}
        foreach ($k in $Values.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Values[$k]) }
        try { & $Body } finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
    }
}

Describe 'Fan-out on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Targets = @(New-Targets $Cli 'pester-fan' 3)
        Start-Sleep -Seconds 1
    }
    AfterAll {
        & $Cli rm -f @script:Targets 2>$null | Out-Null
    }

    It 'runs one utility across many targets, tags every record, and a missing target is a non-terminating error' {
        $missing = 'pester-fan-no-such-target'
        $records = Invoke-Capsule -Utility uptime -Container ($script:Targets + $missing) -EngineUri $Uri -ThrottleLimit 4 -ErrorVariable errs -ErrorAction SilentlyContinue
        @($records.Target | Sort-Object) | Should -Be @($script:Targets | Sort-Object)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'TargetNotFound,*'
        $errs[0].TargetObject | Should -Be $missing
        Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
    }

    It 'targets from the pipeline fan out too' {
        $records = $script:Targets | Invoke-Capsule -Utility uptime -EngineUri $Uri
        @($records.Target | Sort-Object) | Should -Be @($script:Targets | Sort-Object)
    }

    It 'never runs more capsules at once than -ThrottleLimit, and runs that many' {
        # Watch the engine while three 3-second capsules run with a limit of 2.
        $job = Invoke-Capsule -Utility nap -ArgumentList 3 -Container $script:Targets -EngineUri $Uri -ThrottleLimit 2 -CatalogPath $script:Catalog -AsJob
        $peak = 0
        while ($job.State -in 'NotStarted', 'Running') {
            $peak = [math]::Max($peak, (Get-Capsules $Cli $script:Targets).Count)
            Start-Sleep -Milliseconds 100
        }
        $job.State | Should -Be 'Completed'
        $peak | Should -Be 2
        Remove-Job $job
        Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
    }

    It '-AsJob returns a job whose output Receive-Job returns, tagged per target' {
        $job = Invoke-Capsule -Utility ps -Container $script:Targets -EngineUri $Uri -AsJob -JobName 'pester-fan-job'
        $job.PSJobTypeName | Should -Be 'RunEscapeJob'
        $job.Name | Should -Be 'pester-fan-job'
        $job | Wait-Job -Timeout 120 | Out-Null
        $job.State | Should -Be 'Completed'
        $job.StatusMessage | Should -Be '3 of 3 targets done'
        $processes = Receive-Job $job
        @($processes.Target | Sort-Object -Unique) | Should -Be @($script:Targets | Sort-Object)
        ($processes | Where-Object Command -eq 'md5sum /dev/zero').Count | Should -Be 3
        Remove-Job $job
    }

    It 'Stop-Job cancels every capsule in flight and leaves none' {
        $job = Invoke-Capsule -Utility nap -ArgumentList 30 -Container $script:Targets -EngineUri $Uri -CatalogPath $script:Catalog -AsJob
        Wait-Until { (Get-Capsules $Cli $script:Targets).Count -eq 3 } | Should -BeTrue
        Stop-Job $job
        $job.State | Should -Be 'Stopped'
        Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
        Remove-Job $job
    }

    It 'stopping the pipeline (Ctrl+C) removes every capsule in flight before it returns' {
        $ps = New-CapsuleShell @{ Utility = 'nap'; ArgumentList = @('30'); Container = $script:Targets; EngineUri = $Uri; CatalogPath = $script:Catalog }
        try {
            $async = $ps.BeginInvoke()
            Wait-Until { (Get-Capsules $Cli $script:Targets).Count -eq 3 } | Should -BeTrue
            $ps.Stop()
            Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
            $async.IsCompleted | Should -BeTrue
        }
        finally { $ps.Dispose() }
    }

    It 'Select-Object -First ends the sweep early and leaves no capsule behind' {
        $first = Invoke-Capsule -Utility nap -ArgumentList 0 -Container ($script:Targets + $script:Targets) -EngineUri $Uri -CatalogPath $script:Catalog -Raw |
            Select-Object -First 1
        $first | Should -BeNullOrEmpty
        $first = Invoke-Capsule -Utility uptime -Container $script:Targets -EngineUri $Uri | Select-Object -First 1
        $first.Target | Should -BeIn $script:Targets
        Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
    }

    It 'a process that exits with a job in flight stops it and removes its capsules' {
        $script = "Import-Module '$env:RUNESCAPE_MODULE'; `$j = Invoke-Capsule -Utility nap -ArgumentList 60 -Container $($script:Targets -join ',') -EngineUri '$Uri' -CatalogPath '$script:Catalog' -AsJob; " +
            "`$end = (Get-Date).AddSeconds(60); while ((& $Cli ps -q --filter label=io.runescape.capsule=true --filter label=io.runescape.target=$($script:Targets[0])).Count -lt 1 -and (Get-Date) -lt `$end) { Start-Sleep -Milliseconds 200 }; " +
            "if ((& $Cli ps -q --filter label=io.runescape.capsule=true --filter label=io.runescape.target=$($script:Targets[0])).Count -lt 1) { exit 3 }; exit 0"
        $client = Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -PassThru
        $client.WaitForExit(120000) | Should -BeTrue
        $client.ExitCode | Should -Be 0 -Because 'the job had a capsule running when the process exited'
        # The capsules' own deadline is 65 s away: gone now means the exiting process removed them.
        Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
    }

    It '-AsJob -WhatIf creates no job' {
        $ps = New-CapsuleShell @{ Utility = 'top'; Container = $script:Targets; EngineUri = $Uri; AsJob = $true; WhatIf = $true }
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'reports progress while targets are in flight, and completes it' {
        $ps = New-CapsuleShell @{ Utility = 'uptime'; Container = $script:Targets; EngineUri = $Uri }
        try {
            $out = $ps.Invoke()
            $out.Count | Should -Be 3
            $progress = @($ps.Streams.Progress | Where-Object Activity -eq 'Invoke-Capsule uptime')
            $progress.Count | Should -BeGreaterOrEqual 4
            ($progress | Where-Object StatusDescription -eq '3 of 3 targets done, 0 running') | Should -Not -BeNullOrEmpty
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }

    It '-WhatIf runs nothing and says what it would do per target' {
        $ps = New-CapsuleShell @{ Utility = 'top'; Container = $script:Targets; EngineUri = $Uri; WhatIf = $true }
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
            $ps.HadErrors | Should -BeFalse
        }
        finally { $ps.Dispose() }
        Get-Capsules $Cli $script:Targets | Should -BeNullOrEmpty
    }
}

Describe 'Least privilege, policy and audit on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = @(New-Targets $Cli 'pester-trust' 1 -RunArgs @('-e', 'API_TOKEN=tok-3f9a', '-e', 'DATABASE_URL=postgres://app:hunter2@db/x', '-e', 'APP_MODE=prod'))[0]
        Start-Sleep -Seconds 1
        $script:ProcpsId = (& $Cli image inspect "runescape/capsule-procps:$script:Version" --format '{{.Id}}').Trim()
        if ($script:ProcpsId -notlike 'sha256:*') { $script:ProcpsId = "sha256:$script:ProcpsId" }
    }
    AfterAll {
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'masks secret-looking environment values unless -ShowSecrets, in records, -Raw and -PassThru alike' {
        $vars = Invoke-Capsule -Utility env -Container $script:Target -EngineUri $Uri
        ($vars | Where-Object Name -eq 'API_TOKEN').Value | Should -Be '********'
        ($vars | Where-Object Name -eq 'API_TOKEN').Redacted | Should -BeTrue
        ($vars | Where-Object Name -eq 'DATABASE_URL').Value | Should -Be '********'
        ($vars | Where-Object Name -eq 'APP_MODE').Value | Should -Be 'prod'
        ($vars | Where-Object Name -eq 'APP_MODE').Redacted | Should -BeFalse
        (Invoke-Capsule -Utility env -Container $script:Target -EngineUri $Uri -Raw) -join "`n" | Should -Not -Match 'tok-3f9a|hunter2'
        $result = Invoke-Capsule -Utility env -Container $script:Target -EngineUri $Uri -PassThru
        $result.StandardOutput | Should -Not -Match 'tok-3f9a|hunter2'
        $result.RedactedNames | Should -Be @('API_TOKEN', 'DATABASE_URL')
        $shown = Invoke-Capsule -Utility env -Container $script:Target -EngineUri $Uri -ShowSecrets
        ($shown | Where-Object Name -eq 'API_TOKEN').Value | Should -Be 'tok-3f9a'
        ($shown | Where-Object Name -eq 'DATABASE_URL').Value | Should -Be 'postgres://app:hunter2@db/x'
    }

    It '-Privileged cannot run unconfirmed in a session that cannot ask, and creates nothing' {
        $ps = New-CapsuleShell @{ Utility = 'uptime'; Container = $script:Target; EngineUri = $Uri; Privileged = $true }
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
            $err = $ps.Streams.Error[0]
            $err.FullyQualifiedErrorId | Should -BeLike 'PrivilegedNotConfirmed,*'
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err.ErrorDetails.RecommendedAction | Should -Match '-Force'
        }
        finally { $ps.Dispose() }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It '-Privileged -Force reaches the engine as a privileged capsule, and leaves nothing behind' {
        # This sandbox lacks capabilities a privileged container asks for, so the engine may refuse
        # it; either way the request must have been privileged (the audit record says so) and clean.
        $log = Join-Path $TestDrive "privileged-$Engine.jsonl"
        Use-Environment @{ RUNESCAPE_AUDIT_LOG = $log } {
            $result = Invoke-Capsule -Utility uptime -Container $script:Target -EngineUri $Uri -Privileged -Force -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue
            if ($result) { $result.Privileged | Should -BeTrue; $result.ExitCode | Should -Be 0 }
            else { $errs[0].Exception.Message | Should -Match 'caps|privileg|permitted' }
        }
        $entry = Get-Content $log | ConvertFrom-Json
        $entry.privileged | Should -BeTrue
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'an image outside the registry allow-list is refused as a SecurityError before anything starts' {
        $policy = Join-Path $TestDrive 'allow.json'
        '{"allowedRegistries":["registry.example.com/tools"]}' | Set-Content $policy
        Use-Environment @{ RUNESCAPE_POLICY = $policy } {
            { Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri -ErrorAction Stop } |
                Should -Throw -ErrorId 'PolicyRejected,RunEscape.PowerShell.Commands.InvokeCapsuleCommand'
            $err = $Error[0]
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            $err.TargetObject | Should -Be "runescape/capsule-procps:$script:Version"
            $err.ErrorDetails.RecommendedAction | Should -Match 'allowed registry'
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'a pinned image runs when its digest matches, and is refused when it does not' {
        $policy = Join-Path $TestDrive 'pins.json'
        @{ requireDigest = $true; pins = @{ "runescape/capsule-procps:$script:Version" = $script:ProcpsId } } | ConvertTo-Json | Set-Content $policy
        Use-Environment @{ RUNESCAPE_POLICY = $policy } {
            $result = Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri -PassThru
            $result.ExitCode | Should -Be 0
            $result.ImageDigest | Should -Be $script:ProcpsId
            # capsule-busybox is not pinned, and the policy requires pins.
            { Invoke-Capsule -Utility ls -Container $script:Target -EngineUri $Uri -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyRejected,*'
        }
        @{ pins = @{ "runescape/capsule-procps:$script:Version" = 'sha256:' + ('0' * 64) } } | ConvertTo-Json | Set-Content $policy
        Use-Environment @{ RUNESCAPE_POLICY = $policy } {
            { Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyRejected,*'
            $Error[0].Exception.Message | Should -Match ([regex]::Escape($script:ProcpsId))
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'a pin to a local image id does not let an image of another registry stand in' {
        $policy = Join-Path $TestDrive 'pin-id.json'
        '{"allowedRegistries":["registry.example.com"],"requireDigest":true}' | Set-Content $policy
        $catalog = Join-Path $TestDrive "sneaky-$Engine.json"
        @{ schemaVersion = '1.0'; utilities = @(@{ name = 'sneaky'; image = "registry.example.com/runescape/capsule-procps@$script:ProcpsId"; command = @('ps', '-ef'); parser = 'lines'; namespaces = @('pid') }) } |
            ConvertTo-Json -Depth 5 | Set-Content $catalog
        Use-Environment @{ RUNESCAPE_POLICY = $policy } {
            { Invoke-Capsule -Utility sneaky -Container $script:Target -EngineUri $Uri -CatalogPath $catalog -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'the allow-list also judges the image the engine resolved the name to' {
        $policy = Join-Path $TestDrive 'hub-only.json'
        '{"allowedRegistries":["docker.io/runescape"]}' | Set-Content $policy
        Use-Environment @{ RUNESCAPE_POLICY = $policy } {
            if ($Engine -eq 'podman') {
                # Podman names a local build localhost/runescape/...: not docker.io, whatever the reference reads.
                { Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyRejected,*'
                $Error[0].Exception.Message | Should -Match 'localhost/runescape/capsule-procps'
            }
            else {
                (Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri -PassThru).ExitCode | Should -Be 0
            }
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'a privileged capsule the policy forbids is refused per target, and audited' {
        $policy = Join-Path $TestDrive 'no-priv.json'
        '{}' | Set-Content $policy
        $log = Join-Path $TestDrive "no-priv-$Engine.jsonl"
        Use-Environment @{ RUNESCAPE_POLICY = $policy; RUNESCAPE_AUDIT_LOG = $log } {
            Invoke-Capsule -Utility uptime -Container $script:Target -EngineUri $Uri -Privileged -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PolicyRejected,*'
            $errs[0].CategoryInfo.Category | Should -Be 'SecurityError'
        }
        $entry = Get-Content $log | ConvertFrom-Json
        $entry.privileged | Should -BeTrue
        $entry.errorKind | Should -Be 'PolicyRejected'
    }

    It 'a timed-out run is audited with the digest of the image it ran' {
        $log = Join-Path $TestDrive "timeout-$Engine.jsonl"
        Use-Environment @{ RUNESCAPE_AUDIT_LOG = $log } {
            Invoke-Capsule -Utility nap -ArgumentList 30 -Container $script:Target -EngineUri $Uri -CatalogPath $script:Catalog -TimeoutSec 2 -ErrorAction SilentlyContinue | Out-Null
        }
        $entry = Get-Content $log | ConvertFrom-Json
        $entry.errorKind | Should -Be 'Timeout'
        $entry.imageDigest | Should -Match '^sha256:[0-9a-f]{64}$'
    }

    It 'a run whose audit record cannot be written is an error, not a silent success' {
        Use-Environment @{ RUNESCAPE_AUDIT_LOG = '/dev/full' } {
            Invoke-Capsule -Utility uptime -Container $script:Target -EngineUri $Uri -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
            $errs[0].Exception.Message | Should -Match 'ran \(succeeded, exit code 0\)'
        }
        Use-Environment @{ RUNESCAPE_AUDIT_LOG = 'relative.jsonl' } {
            Invoke-Capsule -Utility uptime -Container $script:Target -EngineUri $Uri -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'a bad policy file is a clear InvalidArgument naming the file' {
        $policy = Join-Path $TestDrive 'bad.json'
        '{"allowedRegistry": []}' | Set-Content $policy
        Use-Environment @{ RUNESCAPE_POLICY = $policy } {
            { Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri } | Should -Throw -ErrorId 'InvalidArgument,*'
            $Error[0].Exception.Message | Should -Match ([regex]::Escape($policy))
            $Error[0].Exception.Message | Should -Match "'allowedRegistry'"
        }
    }

    It 'every capsule carries who ran it, its argv and the image digest as labels' {
        $job = Invoke-Capsule -Utility nap -ArgumentList 20, 'a;b $(x)' -Container $script:Target -EngineUri $Uri -CatalogPath $script:Catalog -AsJob -ErrorAction SilentlyContinue
        try {
            Wait-Until { (Get-Capsules $Cli @($script:Target)).Count -eq 1 } | Should -BeTrue
            $name = @(Get-Capsules $Cli @($script:Target))[0]
            $labels = (& $Cli inspect $name --format '{{json .Config.Labels}}') | ConvertFrom-Json
            $labels.'io.runescape.user' | Should -Be ([Environment]::UserName)
            $labels.'io.runescape.host' | Should -Be ([Environment]::MachineName)
            ($labels.'io.runescape.argv' | ConvertFrom-Json) | Should -Be @('sh', '-c', 'sleep "$0"', '20', 'a;b $(x)')
            $labels.'io.runescape.image' | Should -Be "runescape/capsule-busybox:$script:Version"
            $labels.'io.runescape.image-digest' | Should -Match '^sha256:[0-9a-f]{64}$'
            $labels.'io.runescape.privileged' | Should -Be 'false'
            # Its output reaches the client through attach only: no log copy on the host's disk.
            (& $Cli inspect $name --format '{{.HostConfig.LogConfig.Type}}') | Should -Be 'none'
            # Get-Capsule reads the same facts back.
            $info = Get-Capsule -EngineUri $Uri | Where-Object Name -eq $name
            $info.Argv | Should -Be @('sh', '-c', 'sleep "$0"', '20', 'a;b $(x)')
            $info.ImageDigest | Should -Be $labels.'io.runescape.image-digest'
            $info.Privileged | Should -BeFalse
            $info.Owner | Should -Be "$([Environment]::UserName)@$([Environment]::MachineName)"
        }
        finally {
            Stop-Job $job
            Remove-Job $job
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }

    It 'the opt-in audit log records each invocation and its outcome, one JSON line each' {
        $log = Join-Path $TestDrive "audit-$Engine.jsonl"
        Use-Environment @{ RUNESCAPE_AUDIT_LOG = $log } {
            $null = Invoke-Capsule -Utility ps -Container $script:Target, 'pester-trust-missing' -EngineUri $Uri -ErrorAction SilentlyContinue
            $null = Invoke-Capsule -Utility top -Container $script:Target -EngineUri $Uri -ArgumentList '--bogus' -ErrorAction SilentlyContinue
        }
        $entries = @(Get-Content $log | ConvertFrom-Json)
        $entries.Count | Should -Be 3
        $ok = $entries | Where-Object { $_.utility -eq 'ps' -and $_.target -eq $script:Target }
        $ok.outcome | Should -Be 'succeeded'
        $ok.exitCode | Should -Be 0
        $ok.user | Should -Be ([Environment]::UserName)
        $ok.host | Should -Be ([Environment]::MachineName)
        $ok.engine | Should -Be $Engine
        $ok.imageDigest | Should -Match '^sha256:'
        $ok.capsule | Should -BeLike 'capsule-ps-*'
        $ok.argv[0] | Should -Be 'ps'
        $missing = $entries | Where-Object target -eq 'pester-trust-missing'
        $missing.outcome | Should -Be 'error'
        $missing.errorKind | Should -Be 'TargetNotFound'
        ($entries | Where-Object utility -eq 'top').argv | Should -Contain '--bogus'
    }

    It 'an audit log that cannot be written refuses the capsule instead of losing its record' {
        Use-Environment @{ RUNESCAPE_AUDIT_LOG = (Join-Path $TestDrive 'no-such-dir/audit.jsonl') } {
            Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
            $errs[0].ErrorDetails.RecommendedAction | Should -Match 'RUNESCAPE_AUDIT_LOG'
        }
        Get-Capsules $Cli @($script:Target) | Should -BeNullOrEmpty
    }
}
