# The engine restarts while a capsule runs. build.ps1 Test runs this file last: restarting dockerd
# without live-restore kills every container on it, other tests' targets included. Podman's API
# service (podman system service) restarts without touching running containers.
# Restart-Engine (EngineRestart.psm1) restarts each engine the way it runs: its systemd unit, or
# the same command line relaunched detached; then waits for /_ping, so later tests find it back.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = foreach ($e in Get-TestEngines) { $e + @{ Socket = ([Uri]$e.Uri).LocalPath } }
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'EngineRestart.psm1') -Force
    $script:Version = (Get-Module RunEscape).Version.ToString()
    function Get-LeftCapsules([string] $Cli, [string] $Target) {
        @(& $Cli ps -a -q --filter label=io.runescape.capsule=true --filter "label=io.runescape.target=$Target")
    }
}

Describe 'The engine restarts mid-run on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = "fault-restart-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        & $Cli run -d --name $script:Target --label io.runescape.test=true "runescape/sample-app:$script:Version" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "$Cli could not start $script:Target" }
    }
    AfterAll {
        # Whatever happened above, the engine must answer again for anything that runs after.
        Wait-EnginePing $Socket 120
        & $Cli kill $script:Target 2>$null | Out-Null
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'Invoke-Capsule ends with a ConnectionError naming the capsule, and no capsule remains by its deadline + 10 s' {
        $timeoutSec = 30
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$env:RUNESCAPE_MODULE'; try { Invoke-Capsule -Utility top -Container '$($script:Target)' -EngineUri '$Uri' -ArgumentList '-d','1','-n','1000' -TimeoutSec $timeoutSec } catch { `$_ }")
        $handle = $ps.BeginInvoke()
        try {
            $wait = (Get-Date).AddSeconds(30)
            $id = $null
            while (-not $id -and (Get-Date) -lt $wait) {
                $id = @(& $Cli ps -q --filter label=io.runescape.capsule=true --filter "label=io.runescape.target=$($script:Target)" --filter status=running) | Select-Object -First 1
                if (-not $id) { Start-Sleep -Milliseconds 100 }
            }
            $id | Should -Not -BeNullOrEmpty
            $labels = & $Cli inspect -f '{{json .Config.Labels}}' $id | ConvertFrom-Json
            $deadline = [DateTimeOffset]::Parse($labels.'io.runescape.deadline', [Globalization.CultureInfo]::InvariantCulture)
            Start-Sleep -Seconds 1

            $restart = Restart-Engine -Socket $Socket
            Write-Host "Restarted $Engine ($($restart.Method)): pid $($restart.OldPid) -> $($restart.NewPid)"

            # Not a hang: it ends within the client's timeout plus the clean-up budget (20 s).
            $handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds($timeoutSec + 20 + 15)) | Should -BeTrue -Because 'Invoke-Capsule must not hang when its engine restarts'
            $out = @($ps.EndInvoke($handle))
            $errors = @($out | Where-Object { $_ -is [Management.Automation.ErrorRecord] }) + @($ps.Streams.Error)
            $errors.Count | Should -Be 1
            # Not a raw exception: the product's own error, with category, target and advice.
            if ($Engine -eq 'docker' -and $errors[0].FullyQualifiedErrorId -like 'TargetNotRunning,*') {
                # dockerd stops every container as it shuts down, the target too. When the client's
                # exit-code wait (posted before start) is answered before the engine goes, the run
                # ends on the relaunched engine, which truthfully reports the target stopped.
                $errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
                $errors[0].TargetObject | Should -Be $script:Target
                $errors[0].Exception.Message | Should -Match "stopped .* while the 'top' capsule ran"
            }
            else {
                $errors[0].FullyQualifiedErrorId | Should -Be 'EngineUnreachable,RunEscape.PowerShell.Commands.InvokeCapsuleCommand'
                $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
                $errors[0].TargetObject | Should -Be $Uri
                $errors[0].Exception.Message | Should -Match "was lost while the 'top' capsule capsule-top-$($script:Target)-\w+ ran"
            }
            $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty

            # The engine is back; no further RunEscape call: the capsule is gone by its deadline + 10 s.
            Test-EnginePing $Socket | Should -BeTrue
            $limit = $deadline.AddSeconds(10)
            while ((Get-LeftCapsules $Cli $script:Target) -and [DateTimeOffset]::UtcNow -lt $limit) { Start-Sleep -Milliseconds 250 }
            Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'the target survives a Podman service restart, not a dockerd restart without live-restore' {
        $running = & $Cli inspect -f '{{.State.Running}}' $script:Target
        $liveRestore = $Engine -eq 'docker' -and (& docker info -f '{{.LiveRestoreEnabled}}') -eq 'true'
        if ($Engine -eq 'podman' -or $liveRestore) { $running | Should -Be 'true' } else { $running | Should -Be 'false' }
    }

    It 'capsules work again after the restart' {
        & $Cli start $script:Target 2>$null | Out-Null
        $processes = Invoke-Capsule -Utility top-busybox -Container $script:Target -EngineUri $Uri
        ($processes | Where-Object PID -eq 1).Command | Should -BeLike '/usr/bin/xargs*'
        Get-LeftCapsules $Cli $script:Target | Should -BeNullOrEmpty
    }
}
