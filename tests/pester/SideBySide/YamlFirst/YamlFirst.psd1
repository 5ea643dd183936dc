@{
    # Test-only module: loads its own YamlDotNet (13.x) into PowerShell's default load context,
    # as other modules do, so the side-by-side test can import RunEscape after it.
    RootModule        = 'YamlFirst.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '0d7c1c55-6f57-4f44-8f0e-3c1f7a0b2d91'
    Author            = 'RunEscape tests'
    Description       = 'Loads YamlDotNet 13 first (RunEscape side-by-side test).'
    PowerShellVersion = '7.4'
    FunctionsToExport = @('ConvertFrom-YamlFirst', 'Get-YamlFirstVersion')
    CmdletsToExport   = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
