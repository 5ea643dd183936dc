<#
.SYNOPSIS
    Turns the platyPS markdown in docs/ into the module's offline help (platyPS is not needed).

.DESCRIPTION
    Reads docs/cmdlets/*.md (platyPS schema 2.0.0: SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES,
    PARAMETERS with a yaml block per parameter, INPUTS, OUTPUTS, NOTES, RELATED LINKS) and
    writes one MAML file, <OutputDirectory>/RunEscape.PowerShell.dll-Help.xml, which Get-Help
    reads for the binary cmdlets. Every docs/about_*.md becomes <OutputDirectory>/about_*.help.txt.
    Fails on a page it cannot read (a missing section, a parameter without its yaml block).

.EXAMPLE
    ./src/RunEscape.PowerShell/help/ConvertTo-MamlHelp.ps1 -DocsDirectory ./docs -OutputDirectory ./out/RunEscape/en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory,
    [string] $HelpFileName = 'RunEscape.PowerShell.dll-Help.xml'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Split-Sections([string[]] $Lines, [string] $Prefix) {
    # Splits lines at headers of exactly one level ('## ' or '### '), ignoring headers inside code fences.
    $sections = [ordered]@{}
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Prefix) -and -not $line.StartsWith($Prefix + '#')) {
            $current = $line.Substring($Prefix.Length).Trim()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($null -ne $current) { $sections[$current].Add($line) }
    }
    return $sections
}

function Get-Paragraphs([string[]] $Lines) {
    # Prose to paragraphs: blank lines separate, list items stand alone, code fences stay verbatim.
    $paras = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $fence = $null
    $flush = { if ($buffer.Count) { $paras.Add(($buffer -join ' ').Trim()); $buffer.Clear() } }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^```') { $paras.Add(($fence -join "`n")); $fence = $null } else { $fence.Add($line) }
            continue
        }
        if ($line -match '^```') { & $flush; $fence = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line.Trim() -eq '') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flush }
        $buffer.Add($line.Trim())
    }
    & $flush
    if ($null -ne $fence) { $paras.Add(($fence -join "`n")) }
    return @($paras | ForEach-Object { $_ -replace '\[([^\]]+)\]\([^)]*\)', '$1' })
}

function Get-Fences([string[]] $Lines) {
    # Code fences in order: @{ Lang; Text }, and the prose lines outside them.
    $fences = @(); $prose = [System.Collections.Generic.List[string]]::new(); $cur = $null; $lang = ''
    foreach ($line in $Lines) {
        if ($null -eq $cur -and $line -match '^```(\S*)') { $cur = [System.Collections.Generic.List[string]]::new(); $lang = $Matches[1]; continue }
        if ($null -ne $cur -and $line -match '^```') { $fences += [pscustomobject]@{ Lang = $lang; Text = ($cur -join "`n") }; $cur = $null; continue }
        if ($null -ne $cur) { $cur.Add($line) } else { $prose.Add($line) }
    }
    return [pscustomobject]@{ Fences = $fences; Prose = @($prose) }
}

function Read-CmdletPage([string] $Path) {
    $lines = Get-Content -LiteralPath $Path
    if ($lines[0] -eq '---') {
        $end = [array]::IndexOf($lines, '---', 1)
        $lines = $lines[($end + 1)..($lines.Count - 1)]
    }
    $title = $lines | Where-Object { $_ -match '^# ' } | Select-Object -First 1
    if (-not $title) { throw "${Path}: no '# Name' title." }
    $name = $title.Substring(2).Trim()
    $s = Split-Sections $lines '## '
    foreach ($required in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS') {
        if (-not $s.Contains($required)) { throw "${Path}: no '## $required' section." }
    }

    $parameters = foreach ($p in (Split-Sections $s['PARAMETERS'] '### ').GetEnumerator()) {
        if ($p.Key -eq 'CommonParameters') { continue }
        if ($p.Key -notmatch '^-(\w+)$') { throw "${Path}: parameter header '### $($p.Key)' is not '### -Name'." }
        $parts = Get-Fences $p.Value
        $yaml = $parts.Fences | Where-Object Lang -eq 'yaml' | Select-Object -First 1
        if (-not $yaml) { throw "${Path}: parameter $($p.Key) has no yaml block." }
        $meta = @{}
        foreach ($l in $yaml.Text -split "`n") { if ($l -match '^([^:]+):\s*(.*)$') { $meta[$Matches[1].Trim()] = $Matches[2].Trim() } }
        foreach ($key in 'Type', 'Parameter Sets') {
            if (-not $meta[$key]) { throw "${Path}: the yaml block of parameter $($p.Key) has no '${key}:'." }
        }
        if (-not (Get-Paragraphs $parts.Prose)) { throw "${Path}: parameter $($p.Key) has no description." }
        [pscustomobject]@{
            Name        = $p.Key.Substring(1)
            Description = Get-Paragraphs $parts.Prose
            Type        = $meta['Type']
            Sets        = @(($meta['Parameter Sets'] -split ',') | ForEach-Object { $_.Trim() } | Where-Object { $_ })
            Aliases     = $meta['Aliases']
            Required    = $meta['Required']
            Position    = $meta['Position']
            Default     = $meta['Default value']
            Pipeline    = $meta['Accept pipeline input']
            Wildcards   = $meta['Accept wildcard characters']
        }
    }

    $examples = foreach ($e in (Split-Sections $s['EXAMPLES'] '### ').GetEnumerator()) {
        $parts = Get-Fences $e.Value
        if (-not $parts.Fences) { throw "${Path}: example '$($e.Key)' has no code block." }
        $code = $parts.Fences[0].Text
        # The prose and any further blocks (typically the output) are the remarks, in page order.
        $remarkLines = [System.Collections.Generic.List[string]]::new(); $seen = 0; $inFence = $false
        foreach ($l in $e.Value) {
            if ($l -match '^```') {
                if (-not $inFence) { $seen++ }
                $inFence = -not $inFence
                if ($seen -eq 1) { continue }
            }
            elseif ($inFence -and $seen -eq 1) { continue }
            $remarkLines.Add($l)
        }
        [pscustomobject]@{ Title = $e.Key; Code = $code; Remarks = Get-Paragraphs $remarkLines }
    }

    $typeList = {
        param($section)
        if (-not $s.Contains($section)) { return @() }
        foreach ($t in (Split-Sections $s[$section] '### ').GetEnumerator()) {
            [pscustomobject]@{ Name = $t.Key; Description = Get-Paragraphs $t.Value }
        }
    }
    # '### Container (Default)' names the set 'Container'. Every set a parameter names must be one of them.
    $syntaxSets = @((Split-Sections $s['SYNTAX'] '### ').Keys | ForEach-Object { ($_ -replace '\(Default\)', '').Trim() })
    foreach ($p in $parameters) {
        foreach ($set in $p.Sets) {
            if ($set -ne '(All)' -and $set -notin $syntaxSets) { throw "${Path}: parameter -$($p.Name) names the set '$set', which is not a '### <set>' heading under SYNTAX." }
        }
    }
    $links = if ($s.Contains('RELATED LINKS')) {
        foreach ($l in $s['RELATED LINKS']) { if ($l -match '\[([^\]]+)\]\(([^)]*)\)') { [pscustomobject]@{ Text = $Matches[1]; Uri = ($Matches[2] -match '^https?://' ? $Matches[2] : '') } } }
    }
    return [pscustomobject]@{
        Name        = $name
        Synopsis    = (Get-Paragraphs $s['SYNOPSIS']) -join ' '
        Description = Get-Paragraphs $s['DESCRIPTION']
        SyntaxSets  = $syntaxSets
        Parameters  = @($parameters)
        Examples    = @($examples)
        Inputs      = @(& $typeList 'INPUTS')
        Outputs     = @(& $typeList 'OUTPUTS')
        Notes       = if ($s.Contains('NOTES')) { Get-Paragraphs $s['NOTES'] } else { @() }
        Links       = @($links)
    }
}

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Write-Paras([System.Xml.XmlWriter] $W, [string[]] $Paras) {
    $W.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($p in $Paras) { $W.WriteElementString('maml', 'para', $ns.maml, $p) }
    $W.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $W, $P, [switch] $InSyntax) {
    $isSwitch = $P.Type -eq 'SwitchParameter'
    $W.WriteStartElement('command', 'parameter', $ns.command)
    $W.WriteAttributeString('required', ($P.Required -eq 'True').ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ($P.Type -like '*`[`]').ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', ($P.Wildcards -eq 'True').ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $(if ($P.Pipeline) { $P.Pipeline } else { 'False' }))
    $W.WriteAttributeString('position', $(if ($P.Position -and $P.Position -ne 'Named') { $P.Position } else { 'named' }))
    $W.WriteAttributeString('aliases', $(if ($P.Aliases) { $P.Aliases } else { 'none' }))
    $W.WriteElementString('maml', 'name', $ns.maml, $P.Name)
    Write-Paras $W $P.Description
    if (-not ($isSwitch -and $InSyntax)) {
        $W.WriteStartElement('command', 'parameterValue', $ns.command)
        $W.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($P.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $ns.dev)
    $W.WriteElementString('maml', 'name', $ns.maml, $P.Type)
    $W.WriteElementString('maml', 'uri', $ns.maml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($P.Default) { $P.Default } else { 'None' }))
    $W.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $W, $Page) {
    $verb, $noun = $Page.Name -split '-', 2
    $W.WriteStartElement('command', 'command', $ns.command)
    $W.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $W.WriteAttributeString('xmlns', 'command', $null, $ns.command)
    $W.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

    $W.WriteStartElement('command', 'details', $ns.command)
    $W.WriteElementString('command', 'name', $ns.command, $Page.Name)
    $W.WriteElementString('command', 'verb', $ns.command, $verb)
    $W.WriteElementString('command', 'noun', $ns.command, $noun)
    Write-Paras $W @($Page.Synopsis)
    $W.WriteEndElement()
    Write-Paras $W $Page.Description

    # One syntax item per parameter set named under SYNTAX (or one for all).
    $W.WriteStartElement('command', 'syntax', $ns.command)
    $sets = if ($Page.SyntaxSets) { $Page.SyntaxSets } else { @('(All)') }
    foreach ($set in $sets) {
        $W.WriteStartElement('command', 'syntaxItem', $ns.command)
        $W.WriteElementString('maml', 'name', $ns.maml, $Page.Name)
        $inSet = $Page.Parameters | Where-Object { $set -eq '(All)' -or $_.Sets -contains $set -or $_.Sets -contains '(All)' }
        $ordered = @($inSet | Where-Object { $_.Position -match '^\d+$' } | Sort-Object { [int]$_.Position }) + @($inSet | Where-Object { $_.Position -notmatch '^\d+$' })
        foreach ($p in $ordered) { Write-Parameter $W $p -InSyntax }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $Page.Parameters) { Write-Parameter $W $p }
    $W.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $Page.Inputs), @('returnValues', 'returnValue', $Page.Outputs))) {
        $W.WriteStartElement('command', $kind[0], $ns.command)
        foreach ($t in $kind[2]) {
            $W.WriteStartElement('command', $kind[1], $ns.command)
            $W.WriteStartElement('dev', 'type', $ns.dev)
            $W.WriteElementString('maml', 'name', $ns.maml, $t.Name)
            $W.WriteEndElement()
            Write-Paras $W $t.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    if ($Page.Notes) {
        $W.WriteStartElement('maml', 'alertSet', $ns.maml)
        $W.WriteStartElement('maml', 'alert', $ns.maml)
        foreach ($n in $Page.Notes) { $W.WriteElementString('maml', 'para', $ns.maml, $n) }
        $W.WriteEndElement(); $W.WriteEndElement()
    }

    $W.WriteStartElement('command', 'examples', $ns.command)
    foreach ($e in $Page.Examples) {
        $W.WriteStartElement('command', 'example', $ns.command)
        $W.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($e.Title) --------------------------")
        $W.WriteElementString('dev', 'code', $ns.dev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($r in $e.Remarks) { $W.WriteElementString('maml', 'para', $ns.maml, $r) }
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($l in $Page.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
        $W.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
    $W.WriteEndElement()
}

function ConvertTo-AboutText([string] $Path) {
    # about_*.md → about_*.help.txt: '## HEADING' lines become HEADING, body indented four spaces.
    $out = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^```') { $inFence = -not $inFence; continue }
        if (-not $inFence -and $line -match '^# (about_\S+)') { $out.Add('TOPIC'); $out.Add("    $($Matches[1])"); continue }
        if (-not $inFence -and $line -match '^#{2,}\s+(.*)$') {
            if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') }
            $out.Add($Matches[1].ToUpperInvariant()); continue
        }
        $out.Add($(if ($line.Trim()) { '    ' + $line } else { '' }))
    }
    return ($out -join [Environment]::NewLine).Trim() + [Environment]::NewLine
}

$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
$pages = Get-ChildItem -LiteralPath (Join-Path $DocsDirectory 'cmdlets') -Filter *.md | Sort-Object Name | ForEach-Object { Read-CmdletPage $_.FullName }

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$helpPath = Join-Path $OutputDirectory $HelpFileName
$writer = [System.Xml.XmlWriter]::Create($helpPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($page in $pages) { Write-Command $writer $page }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }

foreach ($about in Get-ChildItem -LiteralPath $DocsDirectory -Filter 'about_*.md') {
    $target = Join-Path $OutputDirectory ($about.BaseName + '.help.txt')
    [IO.File]::WriteAllText($target, (ConvertTo-AboutText $about.FullName))
}
# The result must be usable: one command per page, each with a synopsis and its parameters.
if (-not $pages) { throw "No cmdlet pages in $(Join-Path $DocsDirectory 'cmdlets')." }
$check = [xml](Get-Content -Raw -LiteralPath $helpPath)
$commands = @($check.helpItems.command)
if ($commands.Count -ne $pages.Count) { throw "${helpPath}: $($commands.Count) commands for $($pages.Count) pages." }
foreach ($about in Get-ChildItem -LiteralPath $OutputDirectory -Filter 'about_*.help.txt') {
    if ((Get-Content -Raw -LiteralPath $about.FullName).Trim().Length -lt 100) { throw "$($about.FullName) is empty." }
}
Write-Verbose "Help: $helpPath ($($pages.Count) cmdlets)"
