@{
    RootModule           = 'RunEscape.PowerShell.dll'
    ModuleVersion        = '{{Version}}'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    GUID                 = '5b0f7d0e-4a8e-4c39-9a59-2d6c3e8f1a27'
    Author               = 'RunEscape contributors'
    CompanyName          = 'RunEscape'
    Copyright            = '(c) RunEscape contributors. MIT License.'
    Description          = 'Brings a tool to a shell-less container only when it is needed: attaches a short-lived capsule container carrying one utility (top, ps, ...) to a running container or pod, runs it, parses its output into objects and removes the capsule.'
    FormatsToProcess     = @('RunEscape.Format.ps1xml')
    TypesToProcess       = @('RunEscape.Types.ps1xml')
    CmdletsToExport      = @('Invoke-Capsule', 'Get-CapsuleCatalog', 'Get-Capsule', 'Remove-Capsule', 'ConvertFrom-CapsuleOutput', 'Register-CapsuleUtility')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('containers', 'docker', 'podman', 'kubernetes', 'debugging', 'distroless', 'top', 'Linux')
            ProjectUri = 'https://example.invalid/runescape'
        }
    }
}
