<#
accounts.ps1 — guide step 38: the local Windows accounts Qlik Sense needs on a machine outside a domain.
Idempotent: an existing account gets the supplied password and the settings enforced; nothing is deleted.

Parameters (all strings, as Run Command sends them; * = secret, sent as a protected parameter):
  ServiceAccountName       required   runs the Qlik Sense services; member of local Administrators
  ServiceAccountPassword * required
  AdminAccountName         'QSAdmin'  becomes the Qlik administrator (RootAdmin) later, through QRS
  AdminAccountPassword   * required
  LocalUserPrefix          'QlikUser' local users are <prefix>1 .. <prefix>N
  LocalUserCount           '2'        0 to 100
  LocalUserPassword      * required when LocalUserCount > 0 (one password for all local users)
Every account: password never expires, user cannot change password, enabled.
When the service account's password is reset and Qlik Sense is installed, the Qlik Sense services that
log on as that account get the new password too (they would otherwise fail to start with the old one).
They are NOT restarted: the running ones keep going until the Qlik services or the VM restart.

Result JSON: changed (bool), created / updated / unchanged (arrays of account names), servicesUpdated
(names of the Qlik Sense services whose logon password was updated), restartRequired (bool: restart the
Qlik services or the VM so that they log on with the new password).
Exit codes: 0 done; 1 unexpected error; 2 invalid parameter; 30 Windows refused to create or update an
account (e.g. the password does not meet the local password policy); 31 Windows refused the new logon
password of a Qlik Sense service.
#>
[CmdletBinding()]
param(
    [string]$ServiceAccountName,
    [string]$ServiceAccountPassword,
    [string]$AdminAccountName = 'QSAdmin',
    [string]$AdminAccountPassword,
    [string]$LocalUserPrefix = 'QlikUser',
    [string]$LocalUserCount = '2',
    [string]$LocalUserPassword
)

#@include lib/common.ps1

$ExitAccountFailed = 30
$ExitServiceLogonFailed = 31
# Well-known SID of BUILTIN\Administrators: the group's name is localized on non-English images.
$AdministratorsSid = 'S-1-5-32-544'

function Assert-LocalAccountName {
    param([string]$Parameter, [string]$Name)
    # Windows local user names: at most 20 characters, none of " / \ [ ] : ; | = , + * ? < > @
    if ($Name.Length -gt 20 -or $Name -match '["/\\\[\]:;|=,+*?<>@]' -or $Name.Trim() -ne $Name) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "-$Parameter gives '$Name', which is not a valid Windows user name (at most 20 characters, none of `"/\[]:;|=,+*?<>@)"
    }
}

function Get-RequestedAccount {
    Assert-QlikRequired -Name 'ServiceAccountName' -Value $ServiceAccountName
    Assert-QlikRequired -Name 'ServiceAccountPassword' -Value $ServiceAccountPassword
    Assert-QlikRequired -Name 'AdminAccountName' -Value $AdminAccountName
    Assert-QlikRequired -Name 'AdminAccountPassword' -Value $AdminAccountPassword
    $userCount = ConvertTo-QlikInteger -Name 'LocalUserCount' -Value $LocalUserCount -Minimum 0 -Maximum 100
    $accounts = @(
        @{ Name = $ServiceAccountName; Parameter = 'ServiceAccountName'; Password = $ServiceAccountPassword; Administrator = $true; Description = 'Runs the Qlik Sense services (qlik-azure)' }
        @{ Name = $AdminAccountName; Parameter = 'AdminAccountName'; Password = $AdminAccountPassword; Administrator = $false; Description = 'Qlik Sense administrator (qlik-azure)' }
    )
    if ($userCount -gt 0) {
        Assert-QlikRequired -Name 'LocalUserPassword' -Value $LocalUserPassword
        $accounts += foreach ($number in 1..$userCount) {
            @{ Name = "$LocalUserPrefix$number"; Parameter = 'LocalUserPrefix'; Password = $LocalUserPassword; Administrator = $false; Description = 'Qlik Sense user (qlik-azure)' }
        }
    }
    $seen = @{}
    foreach ($account in $accounts) {
        Assert-LocalAccountName -Parameter $account.Parameter -Name $account.Name
        if ($seen.ContainsKey($account.Name)) {
            Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "account name '$($account.Name)' is requested twice; the service account, the Qlik administrator and the local users must differ"
        }
        $seen[$account.Name] = $true
    }
    $accounts
}

# True when Name/Password log on to this machine. Resetting a password only when it differs is what
# makes a second run change nothing (Windows cannot tell us the current password otherwise).
function Test-QlikLocalCredential {
    param([string]$Name, [string]$Password)
    Add-Type -AssemblyName System.DirectoryServices.AccountManagement
    $machine = New-Object System.DirectoryServices.AccountManagement.PrincipalContext ([System.DirectoryServices.AccountManagement.ContextType]::Machine)
    # A check that cannot be made (e.g. a conflicting SMB session) just means: set the password again.
    try { $machine.ValidateCredentials($Name, $Password) } catch { $false } finally { $machine.Dispose() }
}

function Test-AdministratorsMember {
    param([string]$Name)
    $memberName = "$env:COMPUTERNAME\$Name"
    @(Get-LocalGroupMember -SID $AdministratorsSid | Where-Object { $_.Name -eq $memberName }).Count -gt 0
}

# Brings one account to the requested state; returns Outcome ('created', 'updated' or 'unchanged') and
# PasswordReset (an existing account got a new password).
function Set-QlikLocalAccount {
    param([hashtable]$Account)
    $name = $Account.Name
    $password = ConvertTo-SecureString -String $Account.Password -AsPlainText -Force
    $outcome = 'unchanged'
    $passwordReset = $false
    $user = Get-LocalUser -Name $name -ErrorAction SilentlyContinue
    if (-not $user) {
        New-LocalUser -Name $name -Password $password -PasswordNeverExpires -UserMayNotChangePassword -Description $Account.Description | Out-Null
        $outcome = 'created'
    } else {
        if (-not $user.Enabled) {
            Enable-LocalUser -Name $name
            $outcome = 'updated'
        }
        if ($null -ne $user.PasswordExpires -or $user.UserMayChangePassword) {
            Set-LocalUser -Name $name -PasswordNeverExpires $true -UserMayChangePassword $false
            $outcome = 'updated'
        }
        if (-not (Test-QlikLocalCredential -Name $name -Password $Account.Password)) {
            Set-LocalUser -Name $name -Password $password
            $outcome = 'updated'
            $passwordReset = $true
        }
    }
    if ($Account.Administrator -and -not (Test-AdministratorsMember -Name $name)) {
        Add-LocalGroupMember -SID $AdministratorsSid -Member $name
        if ($outcome -eq 'unchanged') { $outcome = 'updated' }
    }
    @{ Outcome = $outcome; PasswordReset = $passwordReset }
}

# The Qlik Sense services (Win32_Service, QlikSense*) that log on as the local account Name, written
# '.\Name' or '<computer>\Name'. None before Qlik Sense is installed.
function Get-QlikServiceOfAccount {
    param([string]$Name)
    $logonNames = @(".\$Name", "$env:COMPUTERNAME\$Name")
    @(Get-CimInstance -ClassName Win32_Service -Filter "Name LIKE 'QlikSense%'" |
        Where-Object { $logonNames -contains $_.StartName })
}

# Gives each Qlik Sense service that logs on as Name the new Password, through Win32_Service.Change in
# this process (sc.exe would put the password on a command line others can read); returns their names.
# The services are not restarted: a running one keeps its logon until the next restart.
function Update-QlikServiceLogon {
    param([string]$Name, [string]$Password)
    foreach ($service in @(Get-QlikServiceOfAccount -Name $Name)) {
        $change = Invoke-CimMethod -InputObject $service -MethodName Change -Arguments @{ StartName = $service.StartName; StartPassword = $Password }
        if ($change.ReturnValue -ne 0) {
            Exit-QlikFailure -Code $ExitServiceLogonFailed -Message "could not give service '$($service.Name)' the new password of $($service.StartName): Win32_Service.Change returned $($change.ReturnValue)"
        }
        $service.Name
    }
}

Invoke-QlikMain {
    $accounts = Get-RequestedAccount
    $outcomes = [ordered]@{ created = @(); updated = @(); unchanged = @() }
    $servicesUpdated = @()
    foreach ($account in $accounts) {
        try {
            $state = Set-QlikLocalAccount -Account $account
        } catch {
            Exit-QlikFailure -Code $ExitAccountFailed -Message "could not create or update local account '$($account.Name)': $($_.Exception.Message)"
        }
        $outcomes[$state.Outcome] += $account.Name
        Write-QlikPhase "account $($account.Name): $($state.Outcome)"
        if ($state.PasswordReset -and $account.Name -eq $ServiceAccountName) {
            $servicesUpdated = @(Update-QlikServiceLogon -Name $account.Name -Password $account.Password)
        }
    }
    if ($servicesUpdated.Count -gt 0) {
        Write-QlikPhase "logon password updated for $($servicesUpdated -join ', '); not restarted: restart the Qlik services or the VM to use the new password"
    }
    $result = [ordered]@{ changed = ($outcomes.created.Count + $outcomes.updated.Count) -gt 0 }
    foreach ($key in $outcomes.Keys) { $result[$key] = $outcomes[$key] }
    $result.servicesUpdated = $servicesUpdated
    $result.restartRequired = $servicesUpdated.Count -gt 0
    Write-QlikResult $result
}
