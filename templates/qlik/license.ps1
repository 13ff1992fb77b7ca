<#
license.ps1 — guide step 42: license the site through QRS, either with a signed license key or with
serial + control number (+ LEF when the server cannot reach Qlik's license server). Idempotent: a
site has one license entity; an existing one is kept when it already matches, updated otherwise,
never duplicated.

Parameters (all strings):
  QrsUrl               base URL of the repository; default '' = https://<Qlik hostname>:4242
  SignedLicenseKey     SECRET. Signed license key (JWT-like); exclusive with SerialKey
  SerialKey            SECRET. License serial number
  ControlKey           SECRET. Control number (with SerialKey)
  LefKey               SECRET. License Enabler File text; only for servers without internet access
  LicenseOwner         license owner name ("Name" in the QMC); required with SerialKey
  LicenseOrganization  organization; required with SerialKey

Result JSON (##qlik-azure[result]) — never contains key, serial, control or LEF:
  mode          "signedKey" | "serial"
  action        "created" | "updated" | "unchanged"
  licenseId     QRS id of the license entity
  isExpired, isInvalid, isBlacklisted   as QRS reports them after the step

Exit codes: 0 licensed; 1 unexpected error; 2 invalid parameters; 20 repository not reachable;
  21 QRS refused the license (wrong key/serial/control, no LEF without internet);
  22 conflict persisted; 23 certificates not found;
  31 QRS accepted the request but reports the license invalid, expired or blacklisted;
  32 the site has a signed key and a serial was given (Qlik cannot go back from key to serial).
#>
[CmdletBinding()]
param(
    [string]$QrsUrl = '',
    [string]$SignedLicenseKey = '',
    [string]$SerialKey = '',
    [string]$ControlKey = '',
    [string]$LefKey = '',
    [string]$LicenseOwner = '',
    [string]$LicenseOrganization = ''
)

#@include lib/common.ps1
#@include qlik/qrs.ps1

$ExitLicenseNotUsable = 31
$ExitKeyToSerial = 32

# What the license entity must hold, by mode. Control travels as a query parameter (QRS API), never
# in the body.
function Get-WantedLicense {
    $hasKey = -not [string]::IsNullOrWhiteSpace($SignedLicenseKey)
    $hasSerial = -not [string]::IsNullOrWhiteSpace($SerialKey)
    if ($hasKey -eq $hasSerial) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message 'give either -SignedLicenseKey, or -SerialKey with -ControlKey (not both, not neither)'
    }
    if ($hasKey) {
        # Owner and organization are optional with a key; when left out, the ones on record stay.
        $fields = [ordered]@{ key = $SignedLicenseKey.Trim() }
        if ($LicenseOwner) { $fields.name = $LicenseOwner }
        if ($LicenseOrganization) { $fields.organization = $LicenseOrganization }
        return [pscustomobject]@{ Mode = 'signedKey'; Fields = $fields; Query = @{} }
    }
    Assert-QlikRequired -Name 'ControlKey' -Value $ControlKey
    Assert-QlikRequired -Name 'LicenseOwner' -Value $LicenseOwner
    Assert-QlikRequired -Name 'LicenseOrganization' -Value $LicenseOrganization
    $fields = [ordered]@{ serial = $SerialKey.Trim(); name = $LicenseOwner; organization = $LicenseOrganization }
    if (-not [string]::IsNullOrWhiteSpace($LefKey)) { $fields.lef = $LefKey.Trim() }
    [pscustomobject]@{ Mode = 'serial'; Fields = $fields; Query = @{ control = $ControlKey.Trim() } }
}

# Reduces the entity to what the license PUT carries (id, modifiedDate and the wanted fields, as
# Qlik-Cli and qlik-repo-api send it) when a wanted field differs; $false when all match.
# A changed control number alone cannot be detected (QRS does not return it).
function Set-LicenseField {
    param($Entity, $Fields)
    $differs = @($Fields.Keys | Where-Object { [string]$Entity.$_ -cne [string]$Fields[$_] })
    if ($differs.Count -eq 0) { return $false }
    $keep = @('id', 'modifiedDate') + @($Fields.Keys)
    foreach ($property in @($Entity.PSObject.Properties | Where-Object { $keep -notcontains $_.Name })) {
        $Entity.PSObject.Properties.Remove($property.Name)
    }
    foreach ($name in $Fields.Keys) { Set-QrsProperty -Entity $Entity -Name $name -Value $Fields[$name] }
    $true
}

Invoke-QlikMain {
    $wanted = Get-WantedLicense
    Initialize-QrsClient -BaseUrl $QrsUrl

    Write-QlikPhase 'reading the current license'
    $current = Get-QrsEntity -Path 'license'
    if (-not $current -or -not $current.id) {
        Write-QlikPhase "licensing the site ($($wanted.Mode))"
        $license = New-QrsEntity -Collection 'license' -Body $wanted.Fields -Query $wanted.Query
        $action = 'created'
    } else {
        if ($wanted.Mode -eq 'serial' -and -not [string]::IsNullOrEmpty([string]$current.key)) {
            Exit-QlikFailure -Code $ExitKeyToSerial -Message 'the site is licensed with a signed license key; Qlik Sense cannot switch back to serial + control number: give the signed key instead'
        }
        $fields = $wanted.Fields
        $update = Update-QrsEntity -Path "license/$($current.id)" -Query $wanted.Query -Change {
            param($entity)
            Set-LicenseField -Entity $entity -Fields $fields
        }
        $license = $update.Entity
        $action = if ($update.Changed) { 'updated' } else { 'unchanged' }
        Write-QlikPhase "license $action"
    }

    if ($license.isInvalid -or $license.isExpired -or $license.isBlacklisted) {
        Exit-QlikFailure -Code $ExitLicenseNotUsable -Message "Qlik Sense reports the license as not usable (invalid: $($license.isInvalid), expired: $($license.isExpired), blacklisted: $($license.isBlacklisted)); check it in the QMC under License management"
    }
    Write-QlikResult ([ordered]@{
        mode          = $wanted.Mode
        action        = $action
        licenseId     = [string]$license.id
        isExpired     = [bool]$license.isExpired
        isInvalid     = [bool]$license.isInvalid
        isBlacklisted = [bool]$license.isBlacklisted
    })
}
