# The network utilities through the built module, as a user runs them, against Docker Engine and Podman.
# build.ps1 Test sets RUNESCAPE_MODULE (the built module) and RUNESCAPE_TEST_ENGINES.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = Get-TestEngines
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Version = (Get-Module RunEscape).Version.ToString()
}

Describe 'Network capsules on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = "pester-net-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        & $Cli run -d --name $script:Target --label io.runescape.test=true "runescape/sample-net:$script:Version" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "$Cli could not start $script:Target" }
        Start-Sleep -Seconds 1
    }
    AfterAll {
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'ss-listening objects filter by port and name the program with a space and a colon' {
        $sockets = Invoke-Capsule ss-listening $script:Target -EngineUri $Uri
        ($sockets | Where-Object LocalPort -EQ 8081).Program | Should -Be 'busybox web:srv'
        ($sockets | Where-Object Program -EQ 'busybox-httpd').LocalPort | Should -Be 8080
        $sockets[0].PSObject.TypeNames[0] | Should -Be 'RunEscape.Parsers.Network.SsSocket'
        ($sockets | Format-Table | Out-String -Width 200) | Should -Match 'busybox web:srv'
    }

    It 'http-probe takes the URL from -ArgumentList and returns status, time and size' {
        $probe = Invoke-Capsule http-probe $script:Target -ArgumentList 'http://127.0.0.1:8080/' -EngineUri $Uri
        $probe.StatusCode | Should -Be 200
        $probe.SizeBytes | Should -Be 21
        $probe.TimeTotal | Should -BeOfType [timespan]
    }

    It 'netstat rows keep their source line' {
        $rows = Invoke-Capsule netstat-listening $script:Target -EngineUri $Uri
        ($rows | Where-Object LocalPort -EQ 8080).SourceLine | Should -Match '/busybox-httpd'
    }
}
