# Dot-sourced in BeforeDiscovery by the suites that run on every engine: the engines build.ps1
# Test found running, from RUNESCAPE_TEST_ENGINES ("docker=unix:///...;podman=unix:///...").
function Get-TestEngines {
    $engines = foreach ($pair in ($env:RUNESCAPE_TEST_ENGINES -split ';' | Where-Object { $_ })) {
        $name, $uri = $pair -split '=', 2
        @{ Engine = $name; Uri = $uri; Cli = $name }
    }
    if (-not $engines) { throw 'RUNESCAPE_TEST_ENGINES is not set: run the tests through ./build.ps1 Test.' }
    return $engines
}
