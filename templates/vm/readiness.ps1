<#
readiness.ps1 — guide step 34 ("Connect to the Virtual Machine"): proves Run Command reaches the VM and
reports what the later steps depend on. Changes nothing.

Parameters: none.

Result JSON (##qlik-azure[result]):
  computerName       NetBIOS machine name (the Qlik hostname must be this, not the FQDN)
  osCaption          e.g. "Microsoft Windows Server 2022 Datacenter Azure Edition"
  osVersion          e.g. "10.0.20348"
  isServer           false on a client edition of Windows
  psVersion          version of the PowerShell running Run Command scripts (5.1 expected)
  freeSpaceGB        free space on C:, in GB with one decimal
  qlikReleases       installed Qlik Sense releases/patches (empty array when none)

Exit codes: 0 ready; 1 unexpected error; 10 unsupported OS (older than Windows Server 2016).
#>
[CmdletBinding()]
param()

#@include lib/common.ps1

$ExitUnsupportedOs = 10
# Windows Server 2016 is build 10.0.14393; older releases are out of support for Qlik Sense and Microsoft.
$MinimumOsVersion = [version]'10.0.14393'

function Get-SystemDriveFreeSpaceGB {
    $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='C:'"
    [math]::Round([double]$disk.FreeSpace / 1GB, 1)
}

Invoke-QlikMain {
    Write-QlikPhase 'checking operating system'
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    if ([version]$os.Version -lt $MinimumOsVersion) {
        Exit-QlikFailure -Code $ExitUnsupportedOs -Message "unsupported operating system '$($os.Caption)' ($($os.Version)): Qlik Sense needs Windows Server 2016 (10.0.14393) or later; choose a newer VM image"
    }

    Write-QlikPhase 'checking disk and installed Qlik Sense'
    $result = [ordered]@{
        computerName = $env:COMPUTERNAME
        osCaption    = [string]$os.Caption
        osVersion    = [string]$os.Version
        # ProductType 1 is a workstation edition; 2 (domain controller) and 3 (server) are servers.
        isServer     = ([int]$os.ProductType -ne 1)
        psVersion    = $PSVersionTable.PSVersion.ToString()
        freeSpaceGB  = Get-SystemDriveFreeSpaceGB
    }
    $result.qlikReleases = @(Get-QlikInstalledRelease)
    Write-QlikResult $result
}
