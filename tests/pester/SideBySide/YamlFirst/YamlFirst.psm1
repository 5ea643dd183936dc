# YamlDotNet.dll sits beside this file (the test copies it from the NuGet cache: YamlDotNet 13.7.1).
Add-Type -Path (Join-Path $PSScriptRoot 'YamlDotNet.dll')

function ConvertFrom-YamlFirst([string] $Yaml) {
    # Deserializes with this module's YamlDotNet into a dictionary.
    $deserializer = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build()
    return $deserializer.Deserialize[System.Collections.Generic.Dictionary[string, object]]($Yaml)
}

function Get-YamlFirstVersion { [YamlDotNet.Serialization.DeserializerBuilder].Assembly.GetName().Version }
