BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
}

Describe 'Get-CapsuleCatalog' {
    It 'lists the built-in utilities with image, command, parser and namespaces' {
        $all = Get-CapsuleCatalog
        $all.Name | Should -Contain 'top'
        $all.Name | Should -Contain 'top-busybox'
        $top = $all | Where-Object Name -eq 'top'
        $top.Image | Should -Be "runescape/capsule-procps:$((Get-Module RunEscape).Version)"
        $top.Command[0] | Should -Be 'top'
        $top.Parser | Should -Be 'top'
        $top.Namespaces | Should -Contain 'pid'
    }

    It 'filters by name with wildcards, case-insensitively' {
        (Get-CapsuleCatalog -Name 'TOP*').Name | Should -Be @('top', 'top-busybox')
        (Get-CapsuleCatalog '*busy*').Name | Should -Contain 'top-busybox'
        (Get-CapsuleCatalog '*busy*').Name | ForEach-Object { $_ | Should -BeLike '*-busybox' }
        Get-CapsuleCatalog 'zz*' | Should -BeNullOrEmpty
    }

    It 'an unknown exact name is a non-terminating ObjectNotFound' {
        Get-CapsuleCatalog -Name nope -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'nope'
    }

    It 'formats as a table' {
        (Get-CapsuleCatalog | Format-Table | Out-String) | Should -Match 'Name\s+Image\s+Parser'
    }
}

Describe 'The module manifest' {
    It 'exports exactly its cmdlets and targets PowerShell 7.4 Core' {
        $m = Get-Module RunEscape
        @($m.ExportedCmdlets.Keys | Sort-Object) | Should -Be @('ConvertFrom-CapsuleOutput', 'Get-Capsule', 'Get-CapsuleCatalog', 'Invoke-Capsule', 'Register-CapsuleUtility', 'Remove-Capsule')
        $m.PowerShellVersion | Should -Be ([version]'7.4')
        $m.CompatiblePSEditions | Should -Be 'Core'
    }

    It 'keeps the engine and its dependencies out of the module root' {
        $root = Split-Path $env:RUNESCAPE_MODULE
        (Get-ChildItem $root -Filter *.dll).Name | Should -Be 'RunEscape.PowerShell.dll'
        Test-Path (Join-Path $root 'dependencies/RunEscape.Core.dll') | Should -BeTrue
        Test-Path (Join-Path $root 'dependencies/Docker.DotNet.dll') | Should -BeTrue
    }
}
