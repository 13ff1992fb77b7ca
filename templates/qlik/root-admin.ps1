<#
root-admin.ps1 — guide step 44 (the governance advice of step 43: configure Qlik with a Qlik
administrator account such as QSAdmin, not with the machine's administrator): gives that account
the RootAdmin role. The user entity is created when the account has not logged in yet (QRS lists
local users only after their first login). Desired state: a re-run writes nothing.

Parameters (all strings, none secret):
  QrsUrl          base URL of the repository; default '' = https://<Qlik hostname>:4242
  AdminUserId     Windows account of the Qlik administrator, e.g. QSAdmin (required)
  UserDirectory   Qlik user directory of local accounts = machine name; default '' = this machine's name

Result JSON (##qlik-azure[result]):
  userId, userDirectory   the administrator as QRS knows them
  userCreated             the user entity was created by this run
  rolesChanged            RootAdmin was added by this run
  roles                   the user's roles after the step

Exit codes: 0 done; 1 unexpected error; 2 invalid parameter; 20 repository not reachable;
  21 QRS refused a request; 22 conflict persisted; 23 certificates not found.
#>
[CmdletBinding()]
param(
    [string]$QrsUrl = '',
    [string]$AdminUserId = '',
    [string]$UserDirectory = ''
)

#@include lib/common.ps1
#@include qlik/qrs.ps1

$RootAdminRole = 'RootAdmin'

Invoke-QlikMain {
    Assert-QlikRequired -Name 'AdminUserId' -Value $AdminUserId
    if ([string]::IsNullOrWhiteSpace($UserDirectory)) { $UserDirectory = $env:COMPUTERNAME }
    Initialize-QrsClient -BaseUrl $QrsUrl

    $admin = Resolve-QrsUser -UserId $AdminUserId -UserDirectory $UserDirectory
    $update = Update-QrsEntity -Path "user/$($admin.User.id)" -Change {
        param($entity)
        $roles = [string[]]@($entity.roles | Where-Object { $_ })
        if ($roles -contains $RootAdminRole) { return $false }
        Set-QrsProperty -Entity $entity -Name 'roles' -Value ([string[]]($roles + $RootAdminRole))
        $true
    }
    if ($update.Changed) { Write-QlikPhase "$UserDirectory\$AdminUserId is now RootAdmin" }
    Write-QlikResult ([ordered]@{
        userId        = [string]$update.Entity.userId
        userDirectory = [string]$update.Entity.userDirectory
        userCreated   = $admin.Created
        rolesChanged  = $update.Changed
        roles         = [string[]]@($update.Entity.roles | Where-Object { $_ })
    })
}
