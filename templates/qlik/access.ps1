<#
access.ps1 — guide step 43: the Qlik administrator gets access allocated (so they always have a
license), and every user gets access through a license rule ("user name like *", guide 43 d-h):
an access group plus a system rule in category License whose resource filter names that group.
Desired state: re-runs allocate, create and write nothing new.

Parameters (all strings, none secret):
  QrsUrl          base URL of the repository; default '' = https://<Qlik hostname>:4242
  AdminUserId     Windows account of the Qlik administrator, e.g. QSAdmin (required)
  UserDirectory   Qlik user directory of local accounts = machine name; default '' = this machine's name
  LicenseModel    'professional' (professional access, default) | 'token' (user access, token licenses)
  EveryoneRule    'true' (default) creates the access group + rule for every user; 'false' skips it

Result JSON (##qlik-azure[result]):
  userId, userDirectory   the administrator as QRS knows them
  userCreated             the user entity was created (the account had not logged in yet)
  accessType              "professional" | "user"
  accessAllocated         access was allocated by this run (false: it already was)
  accessGroupCreated      the access group was created by this run
  ruleAction              "created" | "updated" | "unchanged" | "skipped"

Exit codes: 0 done; 1 unexpected error; 2 invalid parameter; 20 repository not reachable;
  21 QRS refused a request (e.g. no access left to allocate in the license); 22 conflict persisted;
  23 certificates not found.
#>
[CmdletBinding()]
param(
    [string]$QrsUrl = '',
    [string]$AdminUserId = '',
    [string]$UserDirectory = '',
    [string]$LicenseModel = 'professional',
    [string]$EveryoneRule = 'true'
)

#@include lib/common.ps1
#@include qlik/qrs.ps1

# QRS names of the allocation and group collections per license model (tokens buy "user access").
$AccessKinds = @{
    professional = @{ AccessType = 'professional'; Allocations = 'license/professionalaccesstype'; Groups = 'license/professionalaccessgroup'; Schema = 'License.ProfessionalAccessGroup' }
    token        = @{ AccessType = 'user'; Allocations = 'license/useraccesstype'; Groups = 'license/useraccessgroup'; Schema = 'License.UserAccessGroup' }
}
$AccessGroupName = 'qlik-azure: every user'
$RuleName = 'qlik-azure: every user gets access'
# actions 1 = "allow access"; ruleContext 1 = Qlik Sense only (license rules do not apply to the QMC).
$RuleShape = [ordered]@{
    category = 'License'; type = 'Custom'; rule = '((user.name like "*"))'; actions = 1; ruleContext = 1; disabled = $false
    comment  = 'Created by qlik-azure (guide step 43): every user who logs in gets access.'
}

function Grant-AdminAccess {
    param($Kind, $User)
    $existing = @(Find-QrsEntity -Collection $Kind.Allocations -Filter "user.id eq $($User.id)")
    if ($existing.Count -gt 0) { return $false }
    Write-QlikPhase "allocating $($Kind.AccessType) access to $($User.userDirectory)\$($User.userId)"
    $null = New-QrsEntity -Collection $Kind.Allocations -Body @{ user = @{ id = $User.id } }
    $true
}

# Returns @{ Group; Created }.
function Resolve-AccessGroup {
    param($Kind)
    $group = @(Find-QrsEntity -Collection $Kind.Groups -Filter ('name eq ' + (ConvertTo-QrsLiteral $AccessGroupName))) | Select-Object -First 1
    if ($group) { return [pscustomobject]@{ Group = $group; Created = $false } }
    Write-QlikPhase "creating the access group '$AccessGroupName'"
    [pscustomobject]@{ Group = (New-QrsEntity -Collection $Kind.Groups -Body @{ name = $AccessGroupName }); Created = $true }
}

# The rule, found by name; created, or corrected when someone changed what it grants.
function Set-EveryoneRule {
    param([string]$ResourceFilter)
    $wanted = [ordered]@{ name = $RuleName; resourceFilter = $ResourceFilter }
    foreach ($field in $RuleShape.Keys) { $wanted[$field] = $RuleShape[$field] }
    $rule = @(Find-QrsEntity -Collection 'systemrule' -Filter ('name eq ' + (ConvertTo-QrsLiteral $RuleName))) | Select-Object -First 1
    if (-not $rule) {
        Write-QlikPhase "creating the license rule '$RuleName'"
        $null = New-QrsEntity -Collection 'systemrule' -Body $wanted
        return 'created'
    }
    $update = Update-QrsEntity -Path "systemrule/$($rule.id)" -Change {
        param($entity)
        $changed = $false
        foreach ($field in 'resourceFilter', 'rule', 'actions', 'disabled') {
            if ([string]$entity.$field -ne [string]$wanted[$field]) {
                Set-QrsProperty -Entity $entity -Name $field -Value $wanted[$field]
                $changed = $true
            }
        }
        $changed
    }
    if ($update.Changed) { return 'updated' }
    'unchanged'
}

Invoke-QlikMain {
    Assert-QlikRequired -Name 'AdminUserId' -Value $AdminUserId
    if ([string]::IsNullOrWhiteSpace($UserDirectory)) { $UserDirectory = $env:COMPUTERNAME }
    $kind = $AccessKinds[$LicenseModel.Trim().ToLowerInvariant()]
    if (-not $kind) {
        Exit-QlikFailure -Code $QlikExitInvalidParameter -Message "parameter -LicenseModel must be professional or token, got '$LicenseModel'"
    }
    $withRule = ConvertTo-QlikBoolean -Name 'EveryoneRule' -Value $EveryoneRule
    Initialize-QrsClient -BaseUrl $QrsUrl

    $admin = Resolve-QrsUser -UserId $AdminUserId -UserDirectory $UserDirectory
    $allocated = Grant-AdminAccess -Kind $kind -User $admin.User
    $groupCreated = $false
    $ruleAction = 'skipped'
    if ($withRule) {
        $group = Resolve-AccessGroup -Kind $kind
        $groupCreated = $group.Created
        $ruleAction = Set-EveryoneRule -ResourceFilter "$($kind.Schema)_$($group.Group.id)"
    }
    Write-QlikResult ([ordered]@{
        userId             = [string]$admin.User.userId
        userDirectory      = [string]$admin.User.userDirectory
        userCreated        = $admin.Created
        accessType         = $kind.AccessType
        accessAllocated    = $allocated
        accessGroupCreated = $groupCreated
        ruleAction         = $ruleAction
    })
}
