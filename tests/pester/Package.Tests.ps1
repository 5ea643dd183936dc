# The module as a user gets it: the .nupkg from build.ps1 Package installed with Install-PSResource
# from a local file repository into a fresh module path, then imported by name in new pwsh
# processes: every cmdlet, argument completion, offline help, and the side-by-side import with a
# module that loaded another YamlDotNet first. Also the Azure Automation zip's layout.
# build.ps1 Test sets RUNESCAPE_PACKAGE (out/package) and RUNESCAPE_TEST_ENGINES.

BeforeAll {
    $script:PackageDir = $env:RUNESCAPE_PACKAGE
    if (-not $script:PackageDir -or -not (Test-Path $script:PackageDir)) { throw 'RUNESCAPE_PACKAGE is not set: run the tests through ./build.ps1 Test (it runs Package).' }
    $script:Nupkg = Get-ChildItem $script:PackageDir -Filter 'RunEscape.*.nupkg' | Select-Object -First 1
    $script:Version = $script:Nupkg.Name -replace '^RunEscape\.(.+)\.nupkg$', '$1'
    $script:Pwsh = Join-Path $PSHOME 'pwsh'

    # A fresh user: its own HOME, so its own repository store and CurrentUser module path
    # (PSResourceGet installs under HOME/.local/share/powershell/Modules), and a PSModulePath
    # that holds only that path and PowerShell's own modules. Nothing of the real user's is touched.
    $script:Home5 = Join-Path ([IO.Path]::GetTempPath()) "runescape-pkg-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $script:Repo = Join-Path $script:Home5 'repo'
    $script:Xdg = Join-Path $script:Home5 '.local/share'
    $script:UserModules = Join-Path $script:Xdg 'powershell/Modules'
    $null = New-Item -ItemType Directory -Force -Path $script:Repo, $script:Xdg
    Copy-Item $script:Nupkg.FullName $script:Repo

    function Invoke-FreshPwsh([string] $Script) {
        # Runs a script in a new pwsh as the fresh user; returns its output lines. Throws on a non-zero exit.
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; PSModulePath = $env:PSModulePath }
        try {
            $env:HOME = $script:Home5
            $env:XDG_DATA_HOME = $script:Xdg
            $env:PSModulePath = "$script:UserModules$([IO.Path]::PathSeparator)$(Join-Path $PSHOME 'Modules')"
            $out = & $script:Pwsh -NoProfile -NonInteractive -Command "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n$Script" 2>&1 | ForEach-Object { $_.ToString() }
            if ($LASTEXITCODE -ne 0) { throw "pwsh exited with $LASTEXITCODE`n$($out -join "`n")" }
            return $out
        }
        finally {
            $env:HOME = $saved.HOME
            $env:XDG_DATA_HOME = $saved.XDG_DATA_HOME
            $env:PSModulePath = $saved.PSModulePath
        }
    }

    function Invoke-FreshJson([string] $Script) {
        # The script's last output line is JSON; returns it as an object.
        $lines = @(Invoke-FreshPwsh $Script)
        try { return ($lines[-1] | ConvertFrom-Json) } catch { throw "No JSON in the output:`n$($lines -join "`n")" }
    }

    $installed = Invoke-FreshJson @"
Register-PSResourceRepository -Name RunEscapeLocal -Uri '$script:Repo' -Trusted
Install-PSResource -Name RunEscape -Repository RunEscapeLocal -Scope CurrentUser -TrustRepository
Get-Module -ListAvailable RunEscape | Select-Object Name, @{ n = 'Version'; e = { `$_.Version.ToString() } }, ModuleBase | ConvertTo-Json -Compress
"@
    $script:Installed = $installed

    # A target for the capsule runs, on the first test engine.
    $first = ($env:RUNESCAPE_TEST_ENGINES -split ';' | Where-Object { $_ } | Select-Object -First 1)
    if (-not $first) { throw 'RUNESCAPE_TEST_ENGINES is not set.' }
    $script:Cli, $script:EngineUri = $first -split '=', 2
    $script:Target = "pester-pkg-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
    & $script:Cli run -d --name $script:Target --label io.runescape.test=true "runescape/sample-app:$script:Version" | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "$script:Cli could not start $script:Target" }
    Start-Sleep -Seconds 1
}

AfterAll {
    if ($script:Target) { & $script:Cli rm -f $script:Target 2>$null | Out-Null }
    if ($script:Home5) { Remove-Item -Recurse -Force $script:Home5 -ErrorAction SilentlyContinue }
}

Describe 'The installed package' {
    It 'installs with Install-PSResource from a local repository into the fresh module path' {
        $script:Installed.Name | Should -Be 'RunEscape'
        $script:Installed.Version | Should -Be $script:Version
        $script:Installed.ModuleBase | Should -BeLike "$script:UserModules*"
        Join-Path $script:Installed.ModuleBase 'dependencies/RunEscape.Core.dll' | Should -Exist
        Join-Path $script:Installed.ModuleBase 'en-US/RunEscape.PowerShell.dll-Help.xml' | Should -Exist
    }

    It 'imports by name in a new pwsh and every exported cmdlet runs' {
        # One scenario per cmdlet; the last test line checks that every exported cmdlet has one.
        $r = Invoke-FreshJson @"
Import-Module RunEscape
`$m = Get-Module RunEscape
`$runs = [ordered]@{}
`$runs['Get-CapsuleCatalog'] = @(Get-CapsuleCatalog).Name -join ','
`$procs = Invoke-Capsule -Utility top -Container '$script:Target' -EngineUri '$script:EngineUri'
`$runs['Invoke-Capsule'] = (`$procs | Sort-Object CPU -Descending | Select-Object -First 1).Command
`$runs['Get-Capsule'] = @(Get-Capsule -Target '$script:Target' -EngineUri '$script:EngineUri').Count
Remove-Capsule -Id 'pester-pkg-no-such-capsule' -EngineUri '$script:EngineUri' -ErrorVariable rerr -ErrorAction SilentlyContinue
`$runs['Remove-Capsule'] = `$rerr[0].CategoryInfo.Category.ToString()
`$raw = Invoke-Capsule -Utility top -Container '$script:Target' -EngineUri '$script:EngineUri' -Raw
`$runs['ConvertFrom-CapsuleOutput'] = (`$raw | ConvertFrom-CapsuleOutput -Utility top | Sort-Object CPU -Descending | Select-Object -First 1).Command
Register-CapsuleUtility -Name pkg-status -Image 'runescape/capsule-procps:$script:Version' -Command cat, /proc/1/status -Parser keyvalue -Namespace pid
`$status = Invoke-Capsule -Utility pkg-status -Container '$script:Target' -EngineUri '$script:EngineUri'
`$runs['Register-CapsuleUtility'] = '{0}:{1}' -f (Get-CapsuleCatalog -Name pkg-status).Name, (`$status | Where-Object Name -eq 'Name').Value
`$table = `$procs | Select-Object -First 2 | Format-Table | Out-String -Width 200
[pscustomobject]@{
    ModuleBase = `$m.ModuleBase
    Exported   = @(Get-Command -Module RunEscape -CommandType Cmdlet).Name
    Runs       = `$runs
    TypeName   = `$procs[0].PSObject.TypeNames[0]
    Table      = `$table
} | ConvertTo-Json -Compress -Depth 4
"@
        $r.ModuleBase | Should -BeLike "$script:UserModules*"
        $r.Runs.'Get-CapsuleCatalog' | Should -Match '(^|,)top(,|$)'
        $r.Runs.'Invoke-Capsule' | Should -Be 'md5sum /dev/zero'
        $r.Runs.'Get-Capsule' | Should -Be 0
        $r.Runs.'Remove-Capsule' | Should -Be 'ObjectNotFound'
        $r.Runs.'ConvertFrom-CapsuleOutput' | Should -Be 'md5sum /dev/zero'
        # PID 1 of the sample app is xargs: the registered keyvalue utility read its /proc/1/status.
        $r.Runs.'Register-CapsuleUtility' | Should -Be 'pkg-status:xargs'
        $r.TypeName | Should -Be 'RunEscape.Parsers.TopProcess'
        $r.Table | Should -Match 'PID\s+User\s+S\s+CPU%'
        foreach ($cmdlet in $r.Exported) { $r.Runs.PSObject.Properties.Name | Should -Contain $cmdlet -Because "every exported cmdlet needs a scenario here" }
    }

    It 'completes -Utility from the catalog, wildcard-aware, and -Container from the engine' {
        $r = Invoke-FreshJson @"
Import-Module RunEscape
function Complete([string] `$line) { @((TabExpansion2 -inputScript `$line -cursorColumn `$line.Length).CompletionMatches | ForEach-Object CompletionText) }
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$noEngine = Complete 'Invoke-Capsule top -EngineUri unix:///nonexistent/engine.sock -Container '
`$noEngineMs = `$sw.ElapsedMilliseconds
[pscustomobject]@{
    Prefix     = Complete 'Invoke-Capsule -Utility to'
    Wildcard   = Complete 'Invoke-Capsule -Utility *busy'
    Quoted     = Complete "Invoke-Capsule -Utility 'top-b"
    Catalog    = Complete 'Get-CapsuleCatalog -Name top-'
    Container  = Complete 'Invoke-Capsule top -EngineUri $script:EngineUri -Container $($script:Target.Substring(0, 14))'
    NoEngine   = `$noEngine
    NoEngineMs = `$noEngineMs
} | ConvertTo-Json -Compress
"@
        $r.Prefix | Should -Contain 'top'
        $r.Prefix | Should -Contain 'top-busybox'
        $r.Wildcard | Should -Contain 'top-busybox'
        foreach ($w in $r.Wildcard) { $w | Should -BeLike '*busy*' }
        $r.Wildcard | Should -Not -Contain 'top'
        @($r.Quoted) | Should -Be @('top-busybox')
        $r.Catalog | Should -Contain 'top-busybox'
        $r.Catalog | Should -Not -Contain 'top'
        $r.Container | Should -Contain $script:Target
        @($r.NoEngine | Where-Object { $_ }) | Should -BeNullOrEmpty
        $r.NoEngineMs | Should -BeLessThan 5000
    }

    It 'completes -Context, -Namespace and -Pod from the kubeconfig (the cluster unreachable: the kubeconfig''s namespaces, no pods)' {
        $kubeconfig = Join-Path $script:Home5 'kube.config'
        Set-Content -Path $kubeconfig -Value @(
            'apiVersion: v1', 'kind: Config',
            'clusters:', '- name: c', '  cluster:', '    server: http://127.0.0.1:9',
            'users:', '- name: u', '  user:', '    token: t',
            'contexts:',
            '- name: prod', '  context:', '    cluster: c', '    user: u', '    namespace: shop',
            '- name: "team b"', '  context:', '    cluster: c', '    user: u', '    namespace: billing',
            'current-context: prod')
        $r = Invoke-FreshJson @"
Import-Module RunEscape
function Complete([string] `$line) { @((TabExpansion2 -inputScript `$line -cursorColumn `$line.Length).CompletionMatches | ForEach-Object CompletionText) }
[pscustomobject]@{
    Contexts   = Complete "Invoke-Capsule top -Kubeconfig '$kubeconfig' -Context "
    Namespaces = Complete "Get-Capsule -Kubeconfig '$kubeconfig' -Namespace "
    Pods       = @(Complete "Invoke-Capsule top -Kubeconfig '$kubeconfig' -Pod " | Where-Object { `$_ })
} | ConvertTo-Json -Compress
"@
        $r.Contexts | Should -Be @('prod', "'team b'")
        $r.Namespaces | Should -Be @('billing', 'shop')
        $r.Pods | Should -BeNullOrEmpty
    }

    It 'has offline help: Get-Help -Full, -Examples, -Parameter and about_RunEscape' {
        $r = Invoke-FreshJson @"
Import-Module RunEscape
[pscustomobject]@{
    Full      = Get-Help Invoke-Capsule -Full | Out-String -Width 200
    Examples  = Get-Help Invoke-Capsule -Examples | Out-String -Width 200
    Parameter = Get-Help Invoke-Capsule -Parameter Container | Out-String -Width 200
    About     = Get-Help about_RunEscape | Out-String -Width 200
} | ConvertTo-Json -Compress
"@
        $r.Full | Should -Match 'SYNOPSIS\s+Attaches a short-lived capsule'
        $r.Full | Should -Match '-TimeoutSec <Int32>'
        $r.Full | Should -Match 'OUTPUTS\s+RunEscape\.Parsers\.TopProcess'
        $r.Examples | Should -Match 'Example 1'
        $r.Examples | Should -Match 'Example 2'
        $r.Examples | Should -Match 'Sort-Object CPU -Descending'
        $r.Parameter | Should -Match 'The target containers, by name or id'
        $r.About | Should -Match 'SECURITY MODEL'
    }
}

Describe 'Side by side with a module that loaded another YamlDotNet first' {
    BeforeAll {
        # YamlFirst loads YamlDotNet 13.7.1 (from the NuGet cache, restored by tests/tools) into the default context.
        $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $yaml13 = Join-Path $nuget 'yamldotnet/13.7.1/lib/net7.0/YamlDotNet.dll'
        if (-not (Test-Path $yaml13)) { throw "YamlDotNet 13.7.1 is not restored at $yaml13; run ./build.ps1 Bootstrap." }
        $script:YamlFirst = Join-Path $script:Home5 'YamlFirst'
        Copy-Item -Recurse (Join-Path $PSScriptRoot 'SideBySide/YamlFirst') $script:YamlFirst
        Copy-Item $yaml13 $script:YamlFirst
        $script:K8sProbe = @'
function Read-PodYaml([string] $Yaml) {
    # KubernetesClient's own YAML reader, resolved inside RunEscape's load context (it needs YamlDotNet 18).
    $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'RunEscape'
    $k8s = $alc.LoadFromAssemblyName([Reflection.AssemblyName]'KubernetesClient')
    $m = $k8s.GetType('k8s.KubernetesYaml', $true).GetMethods() | Where-Object { $_.Name -eq 'Deserialize' -and $_.GetParameters()[0].ParameterType -eq [string] }
    return $m.MakeGenericMethod($k8s.GetType('k8s.Models.V1Pod', $true)).Invoke($null, @($Yaml, $false))
}
'@
    }

    It 'imports RunEscape after it, runs a capsule, and both YamlDotNet versions work' {
        $r = Invoke-FreshJson @"
Import-Module '$script:YamlFirst/YamlFirst.psd1'
`$before = (ConvertFrom-YamlFirst "a: 1`nb: before")['b']
Import-Module RunEscape
$script:K8sProbe
`$procs = Invoke-Capsule top '$script:Target' -EngineUri '$script:EngineUri'
`$pod = Read-PodYaml "apiVersion: v1`nkind: Pod`nmetadata:`n  name: web-1`n  namespace: shop"
[pscustomobject]@{
    Before    = `$before
    Processes = @(`$procs).Count
    PodName   = `$pod.Metadata.Name
    After     = (ConvertFrom-YamlFirst "a: 1`nb: after")['b']
    Yaml      = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { '{0}@{1}' -f `$_.GetName().Version.Major, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object)
} | ConvertTo-Json -Compress
"@
        $r.Before | Should -Be 'before'
        $r.Processes | Should -BeGreaterOrEqual 4
        $r.PodName | Should -Be 'web-1'
        $r.After | Should -Be 'after'
        $r.Yaml | Should -Be @('13@Default', '18@RunEscape')
    }

    It 'would fail without the load context (control: KubernetesClient in the default context after YamlDotNet 13)' {
        $r = Invoke-FreshJson @"
Import-Module '$script:YamlFirst/YamlFirst.psd1'
`$null = ConvertFrom-YamlFirst 'a: 1'
`$deps = Join-Path (Get-Module -ListAvailable RunEscape).ModuleBase 'dependencies'
`$null = [Reflection.Assembly]::LoadFrom((Join-Path `$deps 'Fractions.dll'))
`$k8s = [Reflection.Assembly]::LoadFrom((Join-Path `$deps 'KubernetesClient.dll'))
`$error.Clear()
try {
    `$m = `$k8s.GetType('k8s.KubernetesYaml', `$true).GetMethods() | Where-Object { `$_.Name -eq 'Deserialize' -and `$_.GetParameters()[0].ParameterType -eq [string] }
    `$null = `$m.MakeGenericMethod(`$k8s.GetType('k8s.Models.V1Pod', `$true)).Invoke(`$null, @("apiVersion: v1`nkind: Pod", `$false))
    [pscustomobject]@{ Failed = `$false; Error = '' } | ConvertTo-Json -Compress
}
catch { [pscustomobject]@{ Failed = `$true; Error = `$_.Exception.GetBaseException().GetType().Name } | ConvertTo-Json -Compress }
"@
        $r.Failed | Should -BeTrue
        $r.Error | Should -Be 'FileLoadException'
    }
}

Describe 'The Azure Automation zip' {
    It 'holds the module folder at its root, named after the module' {
        $zip = Join-Path $script:PackageDir 'RunEscape.zip'
        $zip | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [IO.Compression.ZipFile]::OpenRead($zip)
        try { $names = @($archive.Entries.FullName) } finally { $archive.Dispose() }
        $names | Should -Contain 'RunEscape/RunEscape.psd1'
        $names | Should -Contain 'RunEscape/RunEscape.PowerShell.dll'
        $names | Should -Contain 'RunEscape/dependencies/RunEscape.Core.dll'
        $names | Should -Contain 'RunEscape/en-US/RunEscape.PowerShell.dll-Help.xml'
        @($names | Where-Object { $_ -notlike 'RunEscape/*' }) | Should -BeNullOrEmpty
    }
}
