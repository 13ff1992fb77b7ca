<#
firewall.ps1 — guide step 46: Windows Firewall inbound rules for the Qlik Sense ports.
One rule per port, named "qlik-azure Qlik Sense TCP <port>" (all profiles, TCP, allow). Desired state: a
rule of that name whose port is no longer requested is removed; rules made by anyone else are left alone.

Parameters:
  Ports   required, comma-separated TCP ports, e.g. "443,4244" (HTTPS) or "80,443,4244,4248" (with HTTP)

Result JSON: changed (bool), ports (numbers, sorted), created / updated / removed (arrays of rule names).
Exit codes: 0 done; 1 unexpected error; 2 invalid parameter.
#>
[CmdletBinding()]
param(
    [string]$Ports
)

#@include lib/common.ps1

$RuleNamePrefix = 'qlik-azure Qlik Sense TCP '
$RuleGroup = 'qlik-azure'

function Get-RequestedPort {
    Assert-QlikRequired -Name 'Ports' -Value $Ports
    # Collected in a list, not as loop output: output gathered before an exit would reach stdout.
    $numbers = New-Object System.Collections.Generic.List[int]
    foreach ($token in $Ports.Split(',')) {
        $numbers.Add((ConvertTo-QlikInteger -Name 'Ports' -Value $token -Minimum 1 -Maximum 65535))
    }
    @($numbers | Sort-Object -Unique)
}

function Test-RuleMatchesPort {
    param($Rule, [int]$Port)
    $portFilter = $Rule | Get-NetFirewallPortFilter
    # Enum values compared as text: the NetSecurity types exist only once the module is loaded.
    "$($Rule.Enabled)" -eq 'True' -and "$($Rule.Direction)" -eq 'Inbound' -and "$($Rule.Action)" -eq 'Allow' -and
        "$($portFilter.Protocol)" -eq 'TCP' -and "$($portFilter.LocalPort)" -eq "$Port"
}

# Returns 'created', 'updated' or 'unchanged'.
function Set-QlikFirewallRule {
    param([int]$Port)
    $name = "$RuleNamePrefix$Port"
    $rule = Get-NetFirewallRule -Name $name -ErrorAction SilentlyContinue
    if (-not $rule) {
        New-NetFirewallRule -Name $name -DisplayName $name -Group $RuleGroup -Direction Inbound -Action Allow -Protocol TCP -LocalPort $Port -Profile Any | Out-Null
        return 'created'
    }
    if (Test-RuleMatchesPort -Rule $rule -Port $Port) { return 'unchanged' }
    Set-NetFirewallRule -Name $name -Enabled True -Direction Inbound -Action Allow -Protocol TCP -LocalPort $Port -Profile Any
    'updated'
}

Invoke-QlikMain {
    $requested = Get-RequestedPort
    $outcomes = [ordered]@{ created = @(); updated = @(); unchanged = @(); removed = @() }
    foreach ($port in $requested) {
        $outcome = Set-QlikFirewallRule -Port $port
        $outcomes[$outcome] += "$RuleNamePrefix$port"
        Write-QlikPhase "firewall TCP ${port}: $outcome"
    }
    $wanted = @($requested | ForEach-Object { "$RuleNamePrefix$_" })
    foreach ($stale in @(Get-NetFirewallRule -Name "$RuleNamePrefix*" -ErrorAction SilentlyContinue | Where-Object { $wanted -notcontains $_.Name })) {
        Remove-NetFirewallRule -Name $stale.Name
        $outcomes.removed += $stale.Name
        Write-QlikPhase "firewall rule removed: $($stale.Name)"
    }
    Write-QlikResult ([ordered]@{
        changed = ($outcomes.created.Count + $outcomes.updated.Count + $outcomes.removed.Count) -gt 0
        ports   = @($requested)
        created = $outcomes.created
        updated = $outcomes.updated
        removed = $outcomes.removed
    })
}
