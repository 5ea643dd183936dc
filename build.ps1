#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates RunEscape.

.DESCRIPTION
    Tasks (run in the order given; each pulls in what it needs):
      Bootstrap  Install what is missing (engines, BusyBox, procps, Pester) and start Docker Engine and the Podman API service.
      Build      Compile and lay out the module in out/RunEscape (cmdlets in the root, engine in dependencies/).
      Capsules   Build the capsule images and the sample target image offline on every running engine.
      Test       Run the xunit and Pester suites against real Docker Engine and Podman; prints 'N passed, N failed'.
      Demo       Start a sample target with no shell or tools and run a top capsule against it.
      Benchmark  Wall time of Invoke-Capsule -Utility top beside the same capsule run with the docker CLI.
      FanOutBenchmark  One utility across 50 targets: -ThrottleLimit 1 and 10 beside the same sweep as docker run CLI calls, 1 and 10 at a time.
      ParseBenchmark  Parser throughput and allocation (BenchmarkDotNet): top and ps output of 10,000 processes.
      Package    out/package: RunEscape.<version>.nupkg (Install-PSResource / Install-Module from a local repository) and RunEscape.zip (Azure Automation).
      Clean      Remove build output.

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Demo

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0, ValueFromRemainingArguments)]
    [ValidateSet('Bootstrap', 'Build', 'Capsules', 'Test', 'Demo', 'Benchmark', 'FanOutBenchmark', 'ParseBenchmark', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Engines to build capsule images on and to test against. Default: every engine that runs here.
    # 'docker,podman' as one argument (pwsh -File passes it so) counts as both.
    [ValidatePattern('^(docker|podman)(,(docker|podman))*$')]
    [string[]] $Engine,

    # Demo: leave the sample target running afterwards.
    [switch] $KeepTarget,

    # Test: an xunit filter expression, e.g. 'Category!=Integration'.
    [string] $Filter,

    # Capsules: also push the built images to this registry (e.g. registry.example.com/team), for
    # clusters that must pull them; point RunEscape at it with -Registry or RUNESCAPE_REGISTRY.
    [string] $PushRegistry,

    # Benchmark: timed runs of each command (after one warm-up run).
    [ValidateRange(1, 1000)]
    [int] $Iterations = 10,

    # FanOutBenchmark: target containers per engine, timed sweeps of each of the four ways (after one
    # warm-up sweep each), and exit non-zero when a target is missed (otherwise it is only reported).
    [ValidateRange(2, 500)]
    [int] $TargetCount = 50,

    [ValidateRange(1, 50)]
    [int] $Repetitions = 3,

    [switch] $Strict
)
$Engine = @($Engine | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$OutDir = Join-Path $Root 'out'
$ModuleOut = Join-Path $OutDir 'RunEscape'
$Version = ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
$PesterVersion = '5.7.1'
$DockerSocket = '/var/run/docker.sock'
$PodmanSocket = '/run/podman/podman.sock'
$script:Done = @{}

function Write-Step([string] $Message) { Write-Host "==> $Message" -ForegroundColor Cyan }

function Invoke-Native {
    # Runs a native command and fails the build when it fails. A simple function on purpose:
    # its arguments (-o, -c, …) go to the command, not to PowerShell's common parameters.
    $file, $rest = $args
    & $file @rest
    if ($LASTEXITCODE -ne 0) { throw "'$file $($rest -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Test-Root { (& id -u) -eq '0' }

function Invoke-Privileged {
    if (Test-Root) { Invoke-Native @args }
    elseif (Get-Command sudo -ErrorAction SilentlyContinue) { Invoke-Native sudo @args }
    else { throw "Installing or starting engines needs root: run '$($args -join ' ')' as root." }
}

function Test-Engine([string] $Socket) {
    if (-not (Test-Path $Socket)) { return $false }
    $null = & curl -sf --max-time 3 --unix-socket $Socket http://localhost/_ping 2>$null
    return $LASTEXITCODE -eq 0
}

function Wait-Engine([string] $Socket, [string] $Name, [int] $Seconds = 60) {
    $deadline = (Get-Date).AddSeconds($Seconds)
    while ((Get-Date) -lt $deadline) {
        if (Test-Engine $Socket) { return }
        Start-Sleep -Milliseconds 500
    }
    throw "$Name did not answer on $Socket within $Seconds s."
}

function Get-RunningEngines {
    $list = @()
    if (Test-Engine $DockerSocket) { $list += 'docker' }
    if (Test-Engine $PodmanSocket) { $list += 'podman' }
    if ($Engine) { $list = $list | Where-Object { $_ -in $Engine } }
    return @($list)
}

function Invoke-Bootstrap {
    if ($script:Done['Bootstrap']) { return }
    Write-Step 'Bootstrap: packages, engines, Pester'
    $wanted = @{ 'docker.io' = 'dockerd'; 'podman' = 'podman'; 'busybox-static' = $null; 'procps' = 'top'; 'iproute2' = 'ip'; 'net-tools' = 'netstat'; 'lsof' = 'lsof'; 'curl' = 'curl' }
    $missing = foreach ($p in $wanted.Keys) {
        & dpkg-query -W -f='${Status}' $p 2>$null | Out-String | ForEach-Object { if ($_ -notmatch 'install ok installed') { $p } }
    }
    if ($missing) {
        Write-Step "Installing $($missing -join ', ')"
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Privileged apt-get update -qq
        Invoke-Privileged apt-get install -y -qq --no-install-recommends @missing
    }

    # Sandboxes without CAP_SYS_RESOURCE cannot apply Podman's default rlimits; give Podman
    # limits it may set. This is a property of the build machine, not of RunEscape.
    $capEff = (Get-Content /proc/self/status | Where-Object { $_ -like 'CapEff:*' }) -replace 'CapEff:\s*', ''
    $hasSysResource = ([Convert]::ToUInt64($capEff, 16) -band (1 -shl 24)) -ne 0
    $conf = '/etc/containers/containers.conf'
    if (-not $hasSysResource -and -not (Select-String -Path $conf -Pattern 'default_ulimits' -Quiet -ErrorAction SilentlyContinue)) {
        Write-Step "No CAP_SYS_RESOURCE here: writing Podman default_ulimits to $conf"
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $conf)
        Add-Content -Path $conf -Value "`n[containers]`ndefault_ulimits = [`"nofile=20000:20000`", `"nproc=4096:4096`"]`n"
    }

    if (-not (Test-Engine $DockerSocket) -and (-not $Engine -or 'docker' -in $Engine)) {
        Write-Step 'Starting Docker Engine (dockerd)'
        $log = Join-Path ([IO.Path]::GetTempPath()) 'runescape-dockerd.log'
        if (Test-Root) { Start-Process -FilePath dockerd -RedirectStandardOutput $log -RedirectStandardError "$log.err" }
        else { Start-Process -FilePath sudo -ArgumentList 'dockerd' -RedirectStandardOutput $log -RedirectStandardError "$log.err" }
        Wait-Engine $DockerSocket 'Docker Engine'
    }
    if (-not (Test-Engine $PodmanSocket) -and (-not $Engine -or 'podman' -in $Engine)) {
        Write-Step 'Starting the Podman API service'
        Invoke-Privileged mkdir -p (Split-Path $PodmanSocket)
        $log = Join-Path ([IO.Path]::GetTempPath()) 'runescape-podman.log'
        $podmanArgs = @('system', 'service', '--time=0', "unix://$PodmanSocket")
        if (Test-Root) { Start-Process -FilePath podman -ArgumentList $podmanArgs -RedirectStandardOutput $log -RedirectStandardError "$log.err" }
        else { Start-Process -FilePath sudo -ArgumentList (@('podman') + $podmanArgs) -RedirectStandardOutput $log -RedirectStandardError "$log.err" }
        Wait-Engine $PodmanSocket 'Podman'
    }

    Write-Step "Restoring Pester $PesterVersion"
    Invoke-Native dotnet restore (Join-Path $Root 'tests/tools/tools.csproj') --verbosity quiet
    $script:Done['Bootstrap'] = $true
}

function Get-PesterModule {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $psd1 = Join-Path $nugetRoot "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) { throw "Pester $PesterVersion is not restored at $psd1; run ./build.ps1 Bootstrap." }
    return $psd1
}

function Invoke-Build {
    if ($script:Done['Build']) { return }
    Write-Step "Build $Configuration (version $Version)"
    Invoke-Native dotnet build (Join-Path $Root 'RunEscape.sln') -c $Configuration --nologo --verbosity quiet
    $publish = Join-Path $OutDir 'publish'
    Remove-Item -Recurse -Force $publish, $ModuleOut -ErrorAction SilentlyContinue
    Invoke-Native dotnet publish (Join-Path $Root 'src/RunEscape.PowerShell/RunEscape.PowerShell.csproj') -c $Configuration -o $publish --nologo --verbosity quiet

    # Layout: the small cmdlet assembly in the root, the engine and its dependencies apart.
    $deps = Join-Path $ModuleOut 'dependencies'
    $null = New-Item -ItemType Directory -Force -Path $deps
    foreach ($f in Get-ChildItem $publish -File) {
        if ($f.Extension -notin '.dll', '.pdb') { continue }
        $dest = if ($f.BaseName -eq 'RunEscape.PowerShell') { $ModuleOut } else { $deps }
        Copy-Item $f.FullName $dest
    }
    foreach ($f in 'RunEscape.Format.ps1xml', 'RunEscape.Types.ps1xml') {
        Copy-Item (Join-Path $Root "module/$f") $ModuleOut
    }
    $manifest = (Get-Content -Raw (Join-Path $Root 'module/RunEscape.psd1')).Replace('{{Version}}', $Version)
    Set-Content -Path (Join-Path $ModuleOut 'RunEscape.psd1') -Value $manifest -NoNewline
    # Offline help: docs/cmdlets/*.md and docs/about_*.md → en-US MAML and about topics. A page the
    # generator cannot read fails the build and leaves no module behind (not one without help).
    try {
        & (Join-Path $Root 'src/RunEscape.PowerShell/help/ConvertTo-MamlHelp.ps1') -DocsDirectory (Join-Path $Root 'docs') -OutputDirectory (Join-Path $ModuleOut 'en-US')
    }
    catch {
        Remove-Item -Recurse -Force $ModuleOut -ErrorAction SilentlyContinue
        throw "Offline help could not be generated from docs/, so no module was built: $_"
    }
    Remove-Item -Recurse -Force $publish
    Write-Host "Module: $ModuleOut"
    $script:Done['Build'] = $true
}

function Invoke-Package {
    if ($script:Done['Package']) { return }
    Invoke-Build
    $package = Join-Path $OutDir 'package'
    Remove-Item -Recurse -Force $package -ErrorAction SilentlyContinue
    $null = New-Item -ItemType Directory -Force -Path $package
    Write-Step "Package $Version"
    # The .nupkg in the PowerShell Gallery layout (nuspec and module files at the root), made by
    # Publish-PSResource into a local file repository. The child pwsh gets its own repository
    # store (XDG_DATA_HOME), so the user's registered repositories are not touched.
    $store = Join-Path $OutDir 'psresourceget'
    Remove-Item -Recurse -Force $store -ErrorAction SilentlyContinue
    # It must exist: .NET resolves LocalApplicationData to '' (and PSResourceGet to the current directory) otherwise.
    $null = New-Item -ItemType Directory -Force -Path $store
    $publish = "`$ErrorActionPreference = 'Stop'; Register-PSResourceRepository -Name RunEscapeBuild -Uri '$package' -Trusted; Publish-PSResource -Path '$ModuleOut' -Repository RunEscapeBuild -SkipDependenciesCheck"
    $saved = $env:XDG_DATA_HOME
    try {
        $env:XDG_DATA_HOME = $store
        Invoke-Native (Get-PwshPath) -NoProfile -NonInteractive -Command $publish
    }
    finally { $env:XDG_DATA_HOME = $saved; Remove-Item -Recurse -Force $store -ErrorAction SilentlyContinue }
    # Azure Automation imports a zip named after the module with the module folder at its root.
    Compress-Archive -Path $ModuleOut -DestinationPath (Join-Path $package 'RunEscape.zip') -Force
    Get-ChildItem $package | ForEach-Object { Write-Host ("{0}  {1:N0} bytes" -f $_.FullName, $_.Length) }
    $script:Done['Package'] = $true
}

function New-CapsuleRootfs([string] $Name, [string] $Destination) {
    # Assembles an image root from this machine's Debian packages: binaries, their shared
    # libraries (from ldd), extra files, and BusyBox applet links where asked.
    $def = Get-Content -Raw (Join-Path $Root "src/capsules/$Name/rootfs.json") | ConvertFrom-Json
    $rootfs = Join-Path $Destination 'rootfs'
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $rootfs 'etc')
    $copy = {
        param([string] $Path)
        $target = Join-Path $rootfs $Path.TrimStart('/')
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $target)
        Copy-Item -LiteralPath (Resolve-Path -LiteralPath $Path).ProviderPath -Destination $target -Force
    }
    foreach ($bin in $def.binaries) {
        if (-not (Test-Path $bin)) { throw "Capsule '$Name' needs ${bin}: run ./build.ps1 Bootstrap to install it." }
        & $copy $bin
        $libs = & ldd $bin 2>$null | ForEach-Object { if ($_ -match '(/\S+)') { $Matches[1] } }
        foreach ($lib in $libs) { & $copy $lib }
    }
    foreach ($file in $def.files) {
        if (Test-Path $file) { & $copy $file } else { Write-Warning "Capsule '$Name': $file is not on this machine; the image goes without it." }
    }
    if ($def.busyboxApplets) {
        foreach ($applet in (& /bin/busybox --list)) {
            if ($applet -eq 'busybox') { continue }
            $link = Join-Path $rootfs "bin/$applet"
            if (-not (Test-Path $link)) { $null = New-Item -ItemType SymbolicLink -Path $link -Target 'busybox' }
        }
    }
    if ($def.PSObject.Properties['links']) {
        # Symbolic links: path in the image -> target (e.g. a program under another name).
        foreach ($p in $def.links.PSObject.Properties) {
            $link = Join-Path $rootfs $p.Name
            $null = New-Item -ItemType Directory -Force -Path (Split-Path $link)
            if (-not (Test-Path -LiteralPath $link)) { $null = New-Item -ItemType SymbolicLink -Path $link -Target $p.Value }
        }
    }
    if ($def.PSObject.Properties['extra']) {
        foreach ($p in $def.extra.PSObject.Properties) {
            $target = Join-Path $rootfs $p.Name
            $null = New-Item -ItemType Directory -Force -Path (Split-Path $target)
            [IO.File]::WriteAllText($target, $p.Value)
        }
    }
    [IO.File]::WriteAllText((Join-Path $rootfs 'etc/passwd'), "root:x:0:0:root:/root:/sbin/nologin`n")
    [IO.File]::WriteAllText((Join-Path $rootfs 'etc/group'), "root:x:0:`n")

    $lines = @('FROM scratch', 'COPY rootfs/ /')
    foreach ($p in $def.env.PSObject.Properties) { $lines += "ENV $($p.Name)=$($p.Value)" }
    if ($def.PSObject.Properties['entrypoint']) { $lines += 'ENTRYPOINT ' + ($def.entrypoint | ConvertTo-Json -Compress) }
    $lines += "LABEL io.runescape.capsule-image=`"$Name`" io.runescape.version=`"$Version`""
    Set-Content -Path (Join-Path $Destination 'Dockerfile') -Value $lines
}

function Invoke-Capsules {
    if ($script:Done['Capsules']) { return }
    $engines = Get-RunningEngines
    if (-not $engines) { throw 'No engine is running: run ./build.ps1 Bootstrap first.' }
    $work = Join-Path $OutDir 'capsules'
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    # Every src/capsules/<name>/rootfs.json is one image, tagged '<image>:<module version>'.
    foreach ($def in Get-ChildItem (Join-Path $Root 'src/capsules') -Filter rootfs.json -Recurse | Sort-Object FullName) {
        $name = $def.Directory.Name
        $tag = ((Get-Content -Raw $def.FullName | ConvertFrom-Json).image) + ":$Version"
        $dir = Join-Path $work $name
        New-CapsuleRootfs $name $dir
        foreach ($e in $engines) {
            Write-Step "Image $tag on $e"
            if ($e -eq 'docker') { Invoke-Native docker build -q -t $tag $dir 2>$null | Out-Null }
            else { Invoke-Native podman build -q -t $tag $dir | Out-Null }
        }
        if ($PushRegistry) {
            $remote = $PushRegistry.TrimEnd('/') + '/' + $tag
            $pusher = if ($engines -contains 'docker') { 'docker' } else { 'podman' }
            Write-Step "Push $remote"
            Invoke-Native $pusher tag $tag $remote
            Invoke-Native $pusher push $remote
        }
    }
    $script:Done['Capsules'] = $true
}

function Get-TrxCounts([string] $Directory) {
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem $Directory -Filter *.trx -ErrorAction SilentlyContinue) {
        $c = ([xml](Get-Content -Raw $trx.FullName)).TestRun.ResultSummary.Counters
        $passed += [int]$c.passed; $failed += [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $skipped += [int]$c.notExecuted
    }
    return [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-Test {
    Invoke-Bootstrap
    Invoke-Build
    Invoke-Package
    Invoke-Capsules
    $engines = Get-RunningEngines
    $env:RUNESCAPE_PACKAGE = Join-Path $OutDir 'package'
    $env:RUNESCAPE_TEST_ENGINES = ($engines | ForEach-Object { if ($_ -eq 'docker') { "docker=unix://$DockerSocket" } else { "podman=unix://$PodmanSocket" } }) -join ';'
    $env:RUNESCAPE_MODULE = Join-Path $ModuleOut 'RunEscape.psd1'
    $results = Join-Path $OutDir 'test-results'
    Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue

    Write-Step "xunit (engines: $($engines -join ', '))"
    $testArgs = @('test', (Join-Path $Root 'tests/RunEscape.Tests/RunEscape.Tests.csproj'), '-c', $Configuration, '--nologo', '--logger', 'trx', '--logger', 'console;verbosity=normal', '--results-directory', $results)
    if ($Filter) { $testArgs += @('--filter', $Filter) }
    & dotnet @testArgs
    $xunitExit = $LASTEXITCODE
    $x = Get-TrxCounts $results
    if ($xunitExit -ne 0 -and $x.Failed -eq 0) { $x.Failed = 1; Write-Warning "dotnet test exited with $xunitExit without a failed test in its results." }

    Write-Step 'Pester'
    $pester = Get-PesterModule
    # In name order, EngineRestart.Tests.ps1 last: restarting dockerd kills every container on it.
    $pesterFiles = @(Get-ChildItem (Join-Path $Root 'tests/pester') -Recurse -Filter *.Tests.ps1 | Sort-Object FullName)
    $pesterFiles = @($pesterFiles | Where-Object Name -ne 'EngineRestart.Tests.ps1') + @($pesterFiles | Where-Object Name -eq 'EngineRestart.Tests.ps1')
    $pesterPaths = ($pesterFiles | ForEach-Object { "'" + ($_.FullName -replace "'", "''") + "'" }) -join ', '
    $pesterScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester' -Force
`$c = New-PesterConfiguration
`$c.Run.Path = @($pesterPaths)
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$r = Invoke-Pester -Configuration `$c
"PESTER-COUNTS `$(`$r.PassedCount) `$(`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount) `$(`$r.SkippedCount)"
"@
    $pesterOut = & (Get-PwshPath) -NoProfile -NonInteractive -Command $pesterScript 2>&1 | ForEach-Object { $_.ToString() } | Tee-Object -Variable pesterLines | Out-Host
    $countLine = $pesterLines | Where-Object { $_ -like 'PESTER-COUNTS *' } | Select-Object -Last 1
    $p = if ($countLine) { $n = $countLine.Split(' '); [pscustomobject]@{ Passed = [int]$n[1]; Failed = [int]$n[2]; Skipped = [int]$n[3] } }
         else { Write-Warning 'Pester did not report its counts.'; [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped" -f $x.Passed, $x.Failed, $x.Skipped)
    Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $p.Passed, $p.Failed, $p.Skipped)
    $passed = $x.Passed + $p.Passed
    $failed = $x.Failed + $p.Failed
    $skipped = $x.Skipped + $p.Skipped
    $script:TestSummary = "$passed passed, $failed failed, $skipped skipped"
    $script:TestFailed = $failed -gt 0
}

function Get-PwshPath {
    # The pwsh running this script: under 'dotnet pwsh' the process is dotnet, but $PSHOME has the pwsh app host.
    return (Join-Path $PSHOME 'pwsh')
}

function Invoke-Demo {
    $Engine = @('docker') + @($Engine | Where-Object { $_ -ne 'docker' })
    Invoke-Bootstrap
    Invoke-Build
    Invoke-Capsules
    $image = "runescape/sample-app:$Version"
    Write-Step "Starting the sample target web-1 ($image): no shell, no top, no ps"
    # Only a web-1 an earlier demo started is replaced; anybody else's is left alone.
    $existing = & docker inspect -f '{{index .Config.Labels "io.runescape.demo"}}' web-1 2>$null
    if ($LASTEXITCODE -eq 0) {
        if ($existing -ne 'true') { throw "A container named web-1 exists and is not the demo's; remove or rename it, then run the demo again." }
        & docker rm -f web-1 2>$null | Out-Null
    }
    Invoke-Native docker run -d --name web-1 --label io.runescape.demo=true -e APP_MODE=demo -e API_TOKEN=demo-token-123 $image | Out-Null
    Start-Sleep -Seconds 2

    Write-Step 'What the target itself offers: docker exec web-1 top'
    & docker exec web-1 top -b -n1 2>&1 | ForEach-Object { Write-Host "    $_" }
    Write-Host "    (exit code ${LASTEXITCODE}: the image has no top)"
    & docker exec web-1 sh -c 'ps' 2>&1 | ForEach-Object { Write-Host "    $_" }
    Write-Host "    (exit code ${LASTEXITCODE}: nor a shell)"

    Write-Step 'RunEscape: Invoke-Capsule -Utility top -Container web-1 | Sort-Object CPU -Descending | Select-Object -First 5'
    $demo = @"
Import-Module '$(Join-Path $ModuleOut 'RunEscape.psd1')'
Invoke-Capsule -Utility top -Container web-1 | Sort-Object CPU -Descending | Select-Object -First 5 | Format-Table | Out-String -Width 160
'Capsules left behind: ' + @(Get-Capsule).Count
"@
    & (Get-PwshPath) -NoProfile -NonInteractive -Command $demo
    $demoExit = $LASTEXITCODE
    if (-not $KeepTarget) {
        Write-Step 'Removing the sample target (pass -KeepTarget to keep it)'
        & docker rm -f web-1 | Out-Null
    }
    else {
        Write-Step "web-1 keeps running for you to try; remove it with 'docker rm -f web-1'"
    }
    if ($demoExit -ne 0) { throw "The demo failed (exit code $demoExit)." }
}

function Invoke-Benchmark {
    Invoke-Bootstrap
    Invoke-Build
    Invoke-Capsules
    $image = "runescape/sample-app:$Version"
    $capsule = "runescape/capsule-procps:$Version"
    $target = 'runescape-bench-target'
    & docker rm -f $target 2>$null | Out-Null
    Invoke-Native docker run -d --name $target $image | Out-Null
    Start-Sleep -Seconds 1
    try {
        Write-Step "Wall time, $Iterations runs each after one warm-up, on $([Environment]::ProcessorCount) cores (docker)"
        $script = @"
Import-Module '$(Join-Path $ModuleOut 'RunEscape.psd1')'
`$null = Invoke-Capsule -Utility top -Container $target
`$ms = foreach (`$i in 1..$Iterations) { (Measure-Command { `$null = Invoke-Capsule -Utility top -Container $target }).TotalMilliseconds }
`$ms -join ' '
"@
        $module = (& (Get-PwshPath) -NoProfile -NonInteractive -Command $script | Select-Object -Last 1).Split(' ') | ForEach-Object { [double]$_ }
        $null = & docker run --rm --pid "container:$target" $capsule top -b -n1
        $cli = foreach ($i in 1..$Iterations) {
            (Measure-Command { $null = & docker run --rm --pid "container:$target" $capsule top -b -n1 }).TotalMilliseconds
        }
        $rows = foreach ($r in @(@{ Name = 'Invoke-Capsule -Utility top (warm module)'; Ms = $module }, @{ Name = "docker run --rm --pid container:$target <procps capsule> top -b -n1"; Ms = $cli })) {
            $sorted = $r.Ms | Sort-Object
            [pscustomobject]@{
                Command  = $r.Name
                MedianMs = [math]::Round($sorted[[int][math]::Floor(($sorted.Count - 1) / 2)], 1)
                MeanMs   = [math]::Round(($sorted | Measure-Object -Average).Average, 1)
                MinMs    = [math]::Round($sorted[0], 1)
                MaxMs    = [math]::Round($sorted[-1], 1)
            }
        }
        $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    }
    finally {
        & docker rm -f $target | Out-Null
    }
}

function Invoke-FanOutBenchmark {
    # One utility (ps) across $TargetCount idle targets, four ways, in the same run —
    # Invoke-Capsule -ThrottleLimit 1 and 10 in a warm module (child pwsh), and the same capsule
    # image and argv as '<engine> run --rm --pid container:<t> --network container:<t>' CLI calls,
    # one at a time and 10 at a time (xargs -P). Each way is warmed up once (on the first 10
    # targets), then timed $Repetitions times, the order rotating between repetitions so every way
    # sees the same machine; medians are reported. Docker by default; -Engine podman (or docker,
    # podman) runs a pass on Podman too.
    $engines = if ($Engine) { @($Engine) } else { @('docker') }
    Invoke-Bootstrap
    Invoke-Build
    Invoke-Capsules
    $utilityName = 'ps'
    $entry = (Get-Content -Raw (Join-Path $Root 'src/RunEscape.Core/Catalog/builtin-catalog.json') | ConvertFrom-Json).utilities | Where-Object name -EQ $utilityName
    $capsuleImage = $entry.image.Replace('{version}', $Version)
    # The module's argv: the utility under its hard deadline (coreutils timeout, timeoutSec + 5 s).
    $argv = @('timeout', '-s', 'KILL', [string]($entry.timeoutSec + 5)) + @($entry.command)
    $envArgs = foreach ($p in $entry.environment.PSObject.Properties) { '-e'; "$($p.Name)=$($p.Value)" }
    $missed = @()
    foreach ($e in $engines) {
        if (-not (Test-Engine $(if ($e -eq 'docker') { $DockerSocket } else { $PodmanSocket }))) { throw "$e is not running: run ./build.ps1 Bootstrap." }
        if (-not (Invoke-FanOutPass $e $capsuleImage $argv @($envArgs) $utilityName)) { $missed += $e }
    }
    if ($missed -and $Strict) { throw "FanOutBenchmark: a target was missed on $($missed -join ', ') (-Strict)." }
}

function Invoke-FanOutPass([string] $EngineName, [string] $CapsuleImage, [string[]] $Argv, [string[]] $EnvArgs, [string] $UtilityName) {
    $socket = if ($EngineName -eq 'docker') { $DockerSocket } else { $PodmanSocket }
    $prefix = "runescape-fanout-$PID"
    $names = @(1..$TargetCount | ForEach-Object { '{0}-{1:d2}' -f $prefix, $_ })
    $work = Join-Path ([IO.Path]::GetTempPath()) "$prefix-$EngineName"
    $null = New-Item -ItemType Directory -Force -Path $work
    $list = Join-Path $work 'targets.txt'
    $warmList = Join-Path $work 'warm.txt'
    Set-Content -Path $list -Value $names
    $warmCount = [math]::Min(10, $TargetCount)
    Set-Content -Path $warmList -Value ($names | Select-Object -First $warmCount)
    $passed = $true
    try {
        Write-Step "$EngineName`: starting $TargetCount idle targets (runescape/sample-app:$Version, entrypoint sleep 3600)"
        & xargs -a $list -P 10 -I '{}' $EngineName run -d --name '{}' --label io.runescape.test=true --entrypoint sleep "runescape/sample-app:$Version" 3600 > $null
        if ($LASTEXITCODE -ne 0) { throw "Starting the targets on $EngineName failed (xargs exit code $LASTEXITCODE)." }

        # The CLI sweep joins what the module joins: pid and net, and ipc where the target's is shareable.
        $ipc = & $EngineName inspect --format '{{.HostConfig.IpcMode}}' $names[0]
        $cli = @($EngineName, 'run', '--rm', '--pid', 'container:{}', '--network', 'container:{}')
        if ($ipc -eq 'shareable' -or $ipc -eq 'host') { $cli += @('--ipc', 'container:{}') }
        $cli += @('--label', "io.runescape.fanout-bench=$prefix") + $EnvArgs + @($CapsuleImage) + $Argv
        $config = [ordered]@{
            Module = Join-Path $ModuleOut 'RunEscape.psd1'
            EngineUri = "unix://$socket"
            Utility = $UtilityName
            Targets = $names
            WarmTargets = @($names | Select-Object -First $warmCount)
            List = $list
            WarmList = $warmList
            Cli = $cli
            Repetitions = $Repetitions
            ErrorLog = Join-Path $work 'cli-stderr.log'
        }
        $configPath = Join-Path $work 'config.json'
        $config | ConvertTo-Json -Depth 5 | Set-Content -Path $configPath
        $childPath = Join-Path $work 'fanout-child.ps1'
        Set-Content -Path $childPath -Value $script:FanOutChild

        Write-Step "$EngineName`: $UtilityName across $TargetCount targets, 4 ways, $Repetitions timed sweeps each after one warm-up, $([Environment]::ProcessorCount) cores"
        Write-Host "    CLI: xargs -P <1|10> -I{} $($cli -join ' ')"
        & (Get-PwshPath) -NoProfile -NonInteractive -File $childPath -ConfigPath $configPath 2>&1 | ForEach-Object { $_.ToString() } | Tee-Object -Variable childLines | Where-Object { $_ -notlike 'FANOUT-RESULT *' } | Out-Host
        $resultLine = $childLines | Where-Object { $_ -like 'FANOUT-RESULT *' } | Select-Object -Last 1
        if (-not $resultLine) { throw "The benchmark on $EngineName did not finish (see its output above)." }
        $r = $resultLine.Substring('FANOUT-RESULT '.Length) | ConvertFrom-Json

        $median = { param($xs) $s = @($xs | Sort-Object); if ($s.Count % 2) { $s[($s.Count - 1) / 2] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
        $m1 = & $median $r.Module1; $m10 = & $median $r.Module10; $c1 = & $median $r.Cli1; $c10 = & $median $r.Cli10
        $cliSpeedup = $c1 / $c10
        $moduleSpeedup = $m1 / $m10
        $ratio = $moduleSpeedup / $cliSpeedup
        $fastEnough = $m10 -le $c10
        $scalesEnough = $ratio -ge 0.9
        $runs = { param($xs) ($xs | ForEach-Object { $_.ToString('0.00', [Globalization.CultureInfo]::InvariantCulture) }) -join ', ' }
        $rows = @(
            [pscustomobject]@{ Way = "Invoke-Capsule -Utility $UtilityName -ThrottleLimit 1"; MedianSeconds = [math]::Round($m1, 2); Runs = & $runs $r.Module1 }
            [pscustomobject]@{ Way = "Invoke-Capsule -Utility $UtilityName -ThrottleLimit 10"; MedianSeconds = [math]::Round($m10, 2); Runs = & $runs $r.Module10 }
            [pscustomobject]@{ Way = "$EngineName run --rm ..., one at a time (xargs -P 1)"; MedianSeconds = [math]::Round($c1, 2); Runs = & $runs $r.Cli1 }
            [pscustomobject]@{ Way = "$EngineName run --rm ..., 10 at a time (xargs -P 10)"; MedianSeconds = [math]::Round($c10, 2); Runs = & $runs $r.Cli10 }
        )
        Write-Step "$EngineName`: $TargetCount targets, wall seconds (median of $Repetitions)"
        $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        $inv = [Globalization.CultureInfo]::InvariantCulture
        Write-Host ([string]::Format($inv, '    CLI speed-up, -P 10 over -P 1:                 {0:0.00}x', $cliSpeedup))
        Write-Host ([string]::Format($inv, '    Module speed-up, -ThrottleLimit 10 over 1:      {0:0.00}x', $moduleSpeedup))
        Write-Host ([string]::Format($inv, '    Module speed-up / CLI speed-up:                 {0:0}%   (target >= 90%)   {1}', $ratio * 100, $(if ($scalesEnough) { 'PASS' } else { 'FAIL' })))
        Write-Host ([string]::Format($inv, '    -ThrottleLimit 10 vs CLI -P 10:                 {0:0.00} s vs {1:0.00} s   (target: not slower)   {2}', $m10, $c10, $(if ($fastEnough) { 'PASS' } else { 'FAIL' })))
        Write-Host "    Load average: $($r.LoadBefore) before, $($r.LoadAfter) after"
        Write-Step "$EngineName`: Invoke-Capsule phases, median ms per capsule over the timed sweeps (-PassThru .Timings)"
        $r.Phases | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        $passed = $fastEnough -and $scalesEnough
    }
    finally {
        Write-Step "$EngineName`: removing the targets; counting capsules left behind"
        & $EngineName rm -f @names 2>$null | Out-Null
        # Capsules of this run: the module's (labelled with their target) and the CLI's (labelled above).
        $format = if ($EngineName -eq 'docker') { '{{.ID}} {{.Label "io.runescape.target"}}' } else { '{{.ID}} {{index .Labels "io.runescape.target"}}' }
        $capsules = @(& $EngineName ps -a --filter 'label=io.runescape.capsule=true' --format $format |
            Where-Object { $_ -and $_.Split(' ')[1] -in $names } | ForEach-Object { $_.Split(' ')[0] })
        $capsules += @(& $EngineName ps -a -q --filter "label=io.runescape.fanout-bench=$prefix")
        Write-Host "    Capsule containers left behind by this run: $($capsules.Count)"
        if ($capsules.Count -gt 0) {
            & $EngineName rm -f @capsules 2>$null | Out-Null
            $passed = $false
        }
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }
    return $passed
}

# The FanOutBenchmark's timed part, in a child pwsh so the module is loaded once and stays warm.
$script:FanOutChild = @'
param([string] $ConfigPath)
$ErrorActionPreference = 'Stop'
$c = Get-Content -Raw $ConfigPath | ConvertFrom-Json
Import-Module $c.Module
$all = @{}

function Measure-Module([int] $Throttle, [string[]] $On) {
    $errs = @()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $results = @(Invoke-Capsule -Utility $c.Utility -Container $On -ThrottleLimit $Throttle -EngineUri $c.EngineUri -PassThru -ErrorAction SilentlyContinue -ErrorVariable errs)
    $sw.Stop()
    $failed = @($results | Where-Object { $_.ExitCode -ne 0 }).Count
    if ($errs.Count -or $failed -or $results.Count -ne $On.Count) {
        throw "Invoke-Capsule -ThrottleLimit $Throttle on $($On.Count) targets -- $($results.Count) results, $failed non-zero exit codes, $($errs.Count) errors. $($errs | Select-Object -First 3)"
    }
    return [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Timings = @($results.Timings) }
}

function Measure-Cli([int] $Parallel, [string] $List) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & bash -c 'list=$1 p=$2 err=$3; shift 3; exec xargs -a "$list" -P "$p" -I{} "$@" >/dev/null 2>>"$err"' bash $List $Parallel $c.ErrorLog @($c.Cli)
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "The CLI sweep (-P $Parallel) failed with exit code ${LASTEXITCODE}: $(Get-Content $c.ErrorLog -Tail 3 -ErrorAction SilentlyContinue)" }
    return [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Timings = @() }
}

$ways = [ordered]@{
    Module1  = { param($t, $l) Measure-Module 1 $t }
    Module10 = { param($t, $l) Measure-Module 10 $t }
    Cli1     = { param($t, $l) Measure-Cli 1 $l }
    Cli10    = { param($t, $l) Measure-Cli 10 $l }
}
$keys = @($ways.Keys)
$loadBefore = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
foreach ($k in $keys) {
    $w = & $ways[$k] @($c.WarmTargets) $c.WarmList
    Write-Host ('    warm-up {0,-8} {1,6:0.00} s ({2} targets)' -f $k, $w.Seconds, @($c.WarmTargets).Count)
    $all[$k] = @()
}
$timings = @{ Module1 = @(); Module10 = @() }
foreach ($rep in 1..$c.Repetitions) {
    foreach ($i in 0..($keys.Count - 1)) {
        $k = $keys[($i + $rep - 1) % $keys.Count]
        $m = & $ways[$k] @($c.Targets) $c.List
        $all[$k] += $m.Seconds
        if ($timings.ContainsKey($k)) { $timings[$k] += $m.Timings }
        Write-Host ('    run {0}/{1} {2,-8} {3,6:0.00} s   load {4}' -f $rep, $c.Repetitions, $k, $m.Seconds, ((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '))
    }
}
$loadAfter = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
$phases = foreach ($k in 'Module1', 'Module10') {
    $row = [ordered]@{ ThrottleLimit = $(if ($k -eq 'Module1') { 1 } else { 10 }) }
    foreach ($p in 'Resolve', 'Inject', 'Start', 'Run', 'Collect', 'Parse', 'Remove', 'Total') {
        $s = @($timings[$k] | ForEach-Object { $_.$p.TotalMilliseconds } | Sort-Object)
        $row[$p] = [int][math]::Round($s[[int][math]::Floor(($s.Count - 1) / 2)], 0)
    }
    [pscustomobject]$row
}
'FANOUT-RESULT ' + ([ordered]@{ Module1 = $all.Module1; Module10 = $all.Module10; Cli1 = $all.Cli1; Cli10 = $all.Cli10; LoadBefore = $loadBefore; LoadAfter = $loadAfter; Phases = @($phases) } | ConvertTo-Json -Compress -Depth 5)
'@

function Invoke-ParseBenchmark {
    # Parser throughput (BenchmarkDotNet, tests/RunEscape.Benchmarks): top and ps of 10,000 processes.
    # Prints 'PARSE <name>: N MB/s, N bytes allocated per input byte' (targets: >= 100 MB/s, < 3),
    # then a quick loop that also reports MB per second of CPU time (meaningful on a loaded machine).
    Write-Step 'Parsing benchmark (BenchmarkDotNet)'
    $project = Join-Path $Root 'tests/RunEscape.Benchmarks/RunEscape.Benchmarks.csproj'
    Invoke-Native dotnet build $project -c Release --nologo --verbosity quiet
    Invoke-Native dotnet run --project $project -c Release --no-build -- --artifacts (Join-Path $OutDir 'benchmarks')
    Invoke-Native dotnet run --project $project -c Release --no-build -- --quick
}

$script:TestFailed = $false
$script:TestSummary = $null
foreach ($t in $Task) {
    switch ($t) {
        'Bootstrap' { Invoke-Bootstrap }
        'Build' { Invoke-Build }
        'Capsules' { Invoke-Capsules }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Benchmark' { Invoke-Benchmark }
        'FanOutBenchmark' { Invoke-FanOutBenchmark }
        'ParseBenchmark' { Invoke-ParseBenchmark }
        'Package' { Invoke-Package }
        'Clean' { Remove-Item -Recurse -Force $OutDir -ErrorAction SilentlyContinue; Invoke-Native dotnet clean (Join-Path $Root 'RunEscape.sln') --nologo --verbosity quiet }
    }
}
if ($script:TestSummary) {
    Write-Host $script:TestSummary
    if ($script:TestFailed) { exit 1 }
}
