# User catalogs, Register-CapsuleUtility, ConvertFrom-CapsuleOutput, and the df/du/mount/env
# capsules reporting the TARGET, against real Docker Engine and Podman.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestEngines.ps1')
    $script:Engines = Get-TestEngines
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Version = (Get-Module RunEscape).Version.ToString()
    $script:Fixtures = Join-Path $PSScriptRoot '../fixtures'
}

Describe 'ConvertFrom-CapsuleOutput' {
    It 'parses lines from the pipeline and one string alike' {
        $path = Join-Path $script:Fixtures 'df/coreutils__jc-ubuntu-18.04-df.out'
        $fromLines = Get-Content $path | ConvertFrom-CapsuleOutput -Utility df
        $fromString = ConvertFrom-CapsuleOutput -Utility df -InputObject (Get-Content -Raw $path)
        $fromLines.Count | Should -Be 18
        $fromString.Count | Should -Be 18
        $root = $fromLines | Where-Object MountPoint -eq '/'
        $root.Filesystem | Should -Be '/dev/sda2'
        $root.Size | Should -Be (20508240 * 1024)
        $root.UsePercent | Should -Be 30
        $root.PSObject.TypeNames[0] | Should -Be 'RunEscape.Parsers.DiskFree'
        ($fromString | Where-Object MountPoint -eq '/').Used | Should -Be (5748028 * 1024)
    }

    It 'reads the NUL-separated environ of a process and honours -Variant' {
        $environ = "A=1`0B=two words`0MULTI=x`ny`0"
        $vars = ConvertFrom-CapsuleOutput env -InputObject $environ
        $vars.Name | Should -Be @('A', 'B', 'MULTI')
        ($vars | Where-Object Name -eq MULTI).Value | Should -Be "x`ny"
        $bytes = "1024`t/x" | ConvertFrom-CapsuleOutput du -Variant bytes
        $bytes.Size | Should -Be 1024
        ("1024`t/x" | ConvertFrom-CapsuleOutput du).Size | Should -Be 1048576
    }

    It 'an unreadable line is a non-terminating ParserError with the line as target; the rest parses' {
        $records = "proc on /proc type proc (rw)`nthis is not a mount`ntmpfs on /run type tmpfs (ro)" |
            ConvertFrom-CapsuleOutput mount -ErrorVariable err -ErrorAction SilentlyContinue
        $records.MountPoint | Should -Be @('/proc', '/run')
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ParserError'
        $err[0].TargetObject | Should -Be 'this is not a mount'
    }

    It 'empty input gives no objects and no error' {
        '' | ConvertFrom-CapsuleOutput df -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
    }

    It 'an unknown utility is ObjectNotFound and an unknown variant InvalidArgument' {
        { 'x' | ConvertFrom-CapsuleOutput nope -ErrorAction Stop } | Should -Throw -ErrorId 'UtilityNotFound*'
        { 'x' | ConvertFrom-CapsuleOutput df -Variant zzz -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
    }
}

Describe 'User catalogs and Register-CapsuleUtility' {
    BeforeAll {
        $script:Dir = Join-Path ([IO.Path]::GetTempPath()) "re-cat-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        New-Item -ItemType Directory $script:Dir | Out-Null
    }
    AfterAll {
        Remove-Item -Recurse -Force $script:Dir
        Remove-Item Env:RUNESCAPE_CATALOG_PATH -ErrorAction SilentlyContinue
    }

    It '-CatalogPath merges a user catalog over the built-in one; the environment variable too' {
        $file = Join-Path $script:Dir 'mine.json'
        @{ schemaVersion = '1.0'; utilities = @(@{ name = 'psef'; image = "runescape/capsule-procps:$script:Version"; command = @('ps', '-ef'); parser = 'table' }) } |
            ConvertTo-Json -Depth 4 | Set-Content $file
        $entry = Get-CapsuleCatalog psef -CatalogPath $file
        $entry.Parser | Should -Be 'table'
        $entry.Source | Should -Be $file
        (Get-CapsuleCatalog -CatalogPath $file).Name | Should -Contain 'top'
        Get-CapsuleCatalog psef -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $env:RUNESCAPE_CATALOG_PATH = $file
        (Get-CapsuleCatalog psef).Source | Should -Be $file
        Remove-Item Env:RUNESCAPE_CATALOG_PATH
    }

    It 'a bad catalog is InvalidArgument naming the file, the entry and the field' {
        $file = Join-Path $script:Dir 'bad.json'
        '{"schemaVersion":"1.0","utilities":[{"name":"x","image":"i","command":["c"],"parser":"nosuch"}]}' | Set-Content $file
        $err = { Get-CapsuleCatalog -CatalogPath $file } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*$file*entry 'x'*field 'parser'*"
        $missing = { Get-CapsuleCatalog -CatalogPath (Join-Path $script:Dir 'none.json') } | Should -Throw -PassThru
        $missing.Exception.Message | Should -BeLike '*none.json*'
    }

    It 'registers a utility for the session, validated, with a generic parser' {
        Register-CapsuleUtility -Name 'kv-test' -Image "runescape/capsule-procps:$script:Version" -Command 'cat', '/proc/1/status' -Parser keyvalue -Namespace pid -PassThru |
            Select-Object -ExpandProperty Source | Should -Be 'Register-CapsuleUtility'
        (Get-CapsuleCatalog 'kv-test').Parser | Should -Be 'keyvalue'
        { Register-CapsuleUtility -Name 'kv-test' -Image i -Command c } | Should -Throw -ErrorId 'UtilityAlreadyRegistered*'
        $bad = { Register-CapsuleUtility -Name 'bad-ns' -Image i -Command c -Namespace mnt } | Should -Throw -PassThru
        $bad.Exception.Message | Should -BeLike "*entry 'bad-ns'*field 'namespaces'*"
        $rows = "Name:`tsleep`nState:`tS (sleeping)" | ConvertFrom-CapsuleOutput 'kv-test'
        $rows[1].Name | Should -Be 'State'
        $rows[1].Value | Should -Be 'S (sleeping)'
    }

    It 'a scriptblock parser is applied to the raw output' {
        Register-CapsuleUtility -Name 'sb-test' -Image i -Command c -ScriptBlock { param($text) $text -split "`n" | Where-Object { $_ } | ForEach-Object { [pscustomobject]@{ Upper = $_.ToUpperInvariant() } } }
        (@('a', 'b') | ConvertFrom-CapsuleOutput 'sb-test').Upper | Should -Be @('A', 'B')
    }
}

Describe 'Target filesystem, mounts and environment on <Engine>' -ForEach $script:Engines {
    BeforeAll {
        $script:Target = "pester-3b-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        & $Cli run -d --name $script:Target --label io.runescape.test=true --user 1000 -e APP_MODE=prod --tmpfs /scratch "runescape/sample-app:$script:Version" | Out-Null
        $dir = Join-Path ([IO.Path]::GetTempPath()) $script:Target
        New-Item -ItemType Directory (Join-Path $dir 'data') | Out-Null
        $bytes = [byte[]]::new(3 * 1MB); [Random]::new(7).NextBytes($bytes); [IO.File]::WriteAllBytes((Join-Path $dir 'data/known.bin'), $bytes)
        & $Cli cp (Join-Path $dir 'data') "$($script:Target):/data" | Out-Null
        Remove-Item -Recurse -Force $dir
        Register-CapsuleUtility -Name 'status-kv' -Image "runescape/capsule-procps:$script:Version" -Command 'cat', '/proc/1/status' -Parser keyvalue -Namespace pid -Force
    }
    AfterAll {
        & $Cli rm -f $script:Target 2>$null | Out-Null
    }

    It 'du shows the file put into the target with its size, df the target''s filesystems' {
        $du = Invoke-Capsule du $script:Target -EngineUri $Uri -ArgumentList '-a', '/data'
        ($du | Where-Object Path -eq '/data/known.bin').Size | Should -Be (3 * 1MB)
        $df = Invoke-Capsule df $script:Target -EngineUri $Uri
        ($df | Where-Object MountPoint -eq '/').Type | Should -Be 'overlay'
        ($df | Where-Object MountPoint -eq '/scratch').Type | Should -Be 'tmpfs'
        ($df | Format-Table | Out-String -Width 200) | Should -Match 'Filesystem\s+Type\s+Size\(MiB\)'
    }

    It 'mount and env show the target''s mount table and environment; the capsule ran as the target''s user' {
        (Invoke-Capsule mount $script:Target -EngineUri $Uri | Where-Object MountPoint -eq '/scratch').FileSystemType | Should -Be 'tmpfs'
        $result = Invoke-Capsule env $script:Target -EngineUri $Uri -PassThru
        $result.User | Should -Be '1000'
        ($result.Items | Where-Object Name -eq 'APP_MODE').Value | Should -Be 'prod'
        $status = Invoke-Capsule status-kv $script:Target -EngineUri $Uri
        ($status | Where-Object Name -eq 'Uid').Value | Should -BeLike '1000*'
    }
}
