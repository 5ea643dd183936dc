# Documentation completeness: every cmdlet, parameter and parser is documented, the offline help
# built from docs/ works, and every record type has a default view. Cmdlets are discovered from
# the imported module and parsers from RunEscape.Core's ParserRegistry, so new ones are checked
# without editing this file.

BeforeDiscovery {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Cmdlets = @(Get-Command -Module RunEscape -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    $null = Get-CapsuleCatalog   # loads RunEscape.Core into the module's load context
    $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'RunEscape.Core' } | Select-Object -First 1
    $script:Parsers = @($core.GetType('RunEscape.Parsing.ParserRegistry').GetProperty('All').GetValue($null) | ForEach-Object {
        @{ Name = $_.Info.Name; RecordTypes = @($_.Info.RecordTypes) }
    })
}

BeforeAll {
    Import-Module $env:RUNESCAPE_MODULE -Force
    $script:Docs = Join-Path $PSScriptRoot '../../docs'
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    function Get-Section([string[]] $Lines, [string] $Header) {
        # The lines under '## Header' (or '### Header') up to the next header of the same or a higher level.
        $level = ($Header -split ' ')[0]
        $start = [array]::IndexOf($Lines, $Header)
        if ($start -lt 0) { return @() }
        $out = @()
        $inFence = $false
        for ($i = $start + 1; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i] -match '^```') { $inFence = -not $inFence }
            if (-not $inFence -and $Lines[$i] -match '^(#+) ' -and $Matches[1].Length -le $level.Length) { break }
            $out += $Lines[$i]
        }
        return $out
    }

    function Get-TypeLabel([type] $Type) {
        # The short type name platyPS writes: String, String[], Int32, SwitchParameter, Nullable`1 → Int32.
        if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { $Type = $Type.GetGenericArguments()[0] }
        return $Type.Name
    }
}

Describe 'Cmdlet page for <Name>' -ForEach $script:Cmdlets {
    BeforeAll {
        $script:Command = Get-Command $Name
        $script:Page = Join-Path $script:Docs "cmdlets/$Name.md"
        $script:Lines = if (Test-Path $script:Page) { Get-Content $script:Page } else { @() }
        $script:Params = @($script:Command.Parameters.Values | Where-Object { $_.Name -notin $script:Common })
    }

    It 'has a page in docs/cmdlets with a synopsis and a description' {
        $script:Page | Should -Exist
        (Get-Section $script:Lines '## SYNOPSIS') -join '' | Should -Not -BeNullOrEmpty
        ((Get-Section $script:Lines '## DESCRIPTION') -join '').Trim().Length | Should -BeGreaterThan 40
    }

    It 'documents every parameter with a description and a yaml block of the right type and aliases' {
        foreach ($p in $script:Params) {
            $section = Get-Section $script:Lines "### -$($p.Name)"
            $section | Should -Not -BeNullOrEmpty -Because "-$($p.Name) of $Name needs a '### -$($p.Name)' section"
            $prose = ($section | Where-Object { $_ -notmatch '^```' } | Select-Object -First 3) -join ' '
            $prose.Trim().Length | Should -BeGreaterThan 10 -Because "-$($p.Name) of $Name needs a description"
            $typeLine = $section | Where-Object { $_ -match '^Type:\s*(.+)$' } | Select-Object -First 1
            $typeLine | Should -Not -BeNullOrEmpty -Because "-$($p.Name) of $Name needs its yaml block"
            ($typeLine -replace '^Type:\s*', '').Trim() | Should -Be (Get-TypeLabel $p.ParameterType) -Because "the type of -$($p.Name) of $Name"
            $aliasLine = ($section | Where-Object { $_ -match '^Aliases:' } | Select-Object -First 1) -replace '^Aliases:\s*', ''
            $documented = @($aliasLine -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
            foreach ($a in $p.Aliases) { $documented | Should -Contain $a -Because "alias $a of -$($p.Name) of $Name" }
        }
    }

    It 'documents no parameter the cmdlet does not have' {
        $documented = $script:Lines | Where-Object { $_ -match '^### -(\w+)\s*$' } | ForEach-Object { $Matches[1] }
        foreach ($d in $documented) { $d | Should -BeIn (@($script:Params.Name) + $script:Common) }
    }

    It 'has at least two examples, each with code' {
        $examples = Get-Section $script:Lines '## EXAMPLES'
        $titles = @($examples | Where-Object { $_ -match '^### ' })
        $titles.Count | Should -BeGreaterOrEqual 2
        foreach ($t in $titles) {
            $body = Get-Section $examples $t
            ($body | Where-Object { $_ -match '^```powershell' }) | Should -Not -BeNullOrEmpty -Because "'$t' needs a powershell code block"
        }
    }

    It 'declares its output types' {
        $script:Command.OutputType | Should -Not -BeNullOrEmpty
    }

    It 'has offline help with synopsis, every parameter and the examples' {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -Match "^\s*$Name \[" -Because 'a synopsis that is the syntax line means no MAML was found'
        $help.Synopsis.Trim().Length | Should -BeGreaterThan 20
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        foreach ($p in $script:Params) {
            $ph = Get-Help $Name -Parameter $p.Name
            ($ph.Description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "Get-Help $Name -Parameter $($p.Name)"
        }
    }
}

Describe 'about_RunEscape' {
    It 'is offline help covering concepts, lifecycle, security model and Kubernetes limits' {
        $text = Get-Help about_RunEscape | Out-String
        foreach ($heading in 'CONCEPTS', 'LIFECYCLE', 'SECURITY MODEL', 'KUBERNETES LIMITS') { $text | Should -Match $heading }
    }
}

Describe 'Parser <Name>' -ForEach $script:Parsers {
    BeforeAll {
        $script:Page = Join-Path $script:Docs "parsers/$Name.md"
        $script:Text = if (Test-Path $script:Page) { Get-Content -Raw $script:Page } else { '' }
    }

    It 'has a page in docs/parsers naming every record type and every property' {
        $script:Page | Should -Exist
        foreach ($t in $RecordTypes) {
            $script:Text | Should -Match ([regex]::Escape($t.FullName))
            foreach ($prop in $t.GetProperties() | Where-Object { $_.DeclaringType -eq $t }) {
                $script:Text | Should -Match "\|\s*``?$([regex]::Escape($prop.Name))``?\s*\|" -Because "$($t.Name).$($prop.Name) needs a row in docs/parsers/$Name.md"
            }
        }
    }

    It 'has a default view for every record type' {
        foreach ($t in $RecordTypes) {
            if ($t.FullName -eq 'RunEscape.Parsers.GenericRecord') {
                # Its fields differ from one output to the next, so no fixed view can fit: each object
                # carries its own DefaultDisplayPropertySet of its fields instead. Check that.
                $name = "doc-generic-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
                Register-CapsuleUtility -Name $name -Image 'none' -Command 'cat' -Parser keyvalue
                $o = 'alpha=1', 'beta=2' | ConvertFrom-CapsuleOutput -Utility $name | Select-Object -First 1
                $o.PSStandardMembers.DefaultDisplayPropertySet.ReferencedPropertyNames | Should -Not -BeNullOrEmpty -Because 'a generic record shows its own fields'
                continue
            }
            Get-FormatData -TypeName $t.FullName | Should -Not -BeNullOrEmpty -Because "$($t.FullName) needs a view in RunEscape.Format.ps1xml"
        }
    }
}

Describe 'Default views' {
    It 'exist for every RunEscape type a cmdlet declares as output' {
        # RunEscape.Parsing.CapsuleRecord is the abstract base ConvertFrom-CapsuleOutput declares; what it writes
        # are the concrete record types (each checked per parser above) and generic records (per-object display sets).
        $types = Get-Command -Module RunEscape -CommandType Cmdlet | ForEach-Object { $_.OutputType.Name } |
            Where-Object { $_ -like 'RunEscape.*' -and $_ -notin 'RunEscape.Parsing.CapsuleRecord', 'RunEscape.Parsers.GenericRecord' } | Sort-Object -Unique
        $types | Should -Not -BeNullOrEmpty
        foreach ($t in $types) { Get-FormatData -TypeName $t | Should -Not -BeNullOrEmpty -Because "$t needs a view" }
    }
}
