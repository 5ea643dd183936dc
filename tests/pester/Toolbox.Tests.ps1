# The process and memory utilities through the built module, against real Docker Engine and Podman:
# objects of the documented types and their default table views.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = Get-TestEngines
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Version = (Get-Module RunEscape).Version.ToString()
}

Describe 'Process and memory capsules on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = "pester3a-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        & $Cli run -d --name $script:Target --label io.runescape.test=true "runescape/sample-app:$script:Version" | Out-Null
        Start-Sleep -Seconds 2
    }
    AfterAll {
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'ps gives PsProcess objects with the known command line, in a table' {
        $processes = Invoke-Capsule -Utility ps -Container $script:Target -EngineUri $Uri
        $processes[0].PSObject.TypeNames[0] | Should -Be 'RunEscape.Parsers.PsProcess'
        $burner = $processes | Where-Object Command -EQ 'md5sum /dev/zero'
        $burner.ParentPID | Should -Be 1
        $burner.Id | Should -Be $burner.PID
        $text = $processes | Format-Table | Out-String -Width 200
        $text | Should -Match 'PID\s+PPID\s+User\s+Stat\s+CPU%'
        $text | Should -Match 'sleep 100000'
        $text | Should -Not -Match 'SourceLine'
    }

    It 'free and meminfo agree on the memory total' {
        $mem = Invoke-Capsule free $script:Target -EngineUri $Uri | Where-Object Kind -EQ 'Mem'
        $info = Invoke-Capsule meminfo $script:Target -EngineUri $Uri
        $mem.Total | Should -BeGreaterThan 0
        [math]::Abs($mem.Total - $info.MemTotal) | Should -BeLessOrEqual 1MB
        (Invoke-Capsule free-busybox $script:Target -EngineUri $Uri | Format-Table | Out-String) | Should -Match 'Mem'
    }

    It 'uptime-busybox and loadavg give non-negative load averages' {
        $up = Invoke-Capsule uptime-busybox $script:Target -EngineUri $Uri
        $up.Variant | Should -Be 'busybox'
        $up.LoadAverage1 | Should -BeGreaterOrEqual 0
        $load = Invoke-Capsule loadavg $script:Target -EngineUri $Uri
        $load.TotalTasks | Should -BeGreaterOrEqual $load.RunnableTasks
    }
}
