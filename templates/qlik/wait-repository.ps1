<#
wait-repository.ps1 — guide step 41 ("open the QMC ... if it doesn't come up, wait, the services may
still be starting"): waits until the Qlik Repository Service answers GET /qrs/about. Changes nothing.

Parameters (all strings, none secret):
  QrsUrl          base URL of the repository; default '' = https://<Qlik hostname>:4242
  TimeoutSeconds  how long to wait in total; default '900'
  PollSeconds     pause between attempts; default '10'

Result JSON (##qlik-azure[result]):
  repositoryReady  always true (otherwise the script fails)
  buildVersion     Qlik Sense build, e.g. "14.254.6"
  waitedSeconds    seconds until the first answer
  qrsUrl           the base URL used

The Qlik certificates (client certificate, site CA) appear when the repository first starts, so they
are waited for within the same TimeoutSeconds.

Exit codes: 0 ready; 1 unexpected error; 2 invalid parameter; 20 no answer within TimeoutSeconds;
  21 the repository answered but refused the call (e.g. client certificate not accepted);
  23 Qlik client certificate or site CA still missing after TimeoutSeconds, or the server's
     certificate is not issued by that CA.
#>
[CmdletBinding()]
param(
    [string]$QrsUrl = '',
    [string]$TimeoutSeconds = '900',
    [string]$PollSeconds = '10'
)

#@include lib/common.ps1
#@include qlik/qrs.ps1

Invoke-QlikMain {
    $timeout = ConvertTo-QlikInteger -Name 'TimeoutSeconds' -Value $TimeoutSeconds -Minimum 1 -Maximum 7200
    $pollMs = 1000 * (ConvertTo-QlikInteger -Name 'PollSeconds' -Value $PollSeconds -Minimum 0 -Maximum 600)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Initialize-QrsClient -BaseUrl $QrsUrl -CertificateWaitSeconds $timeout -PollMilliseconds ([Math]::Max($pollMs, 100))
    Write-QlikPhase "waiting for the repository at $($QrsClient.BaseUrl) (up to $timeout s)"

    $remaining = [Math]::Max(1, $timeout - [int]$clock.Elapsed.TotalSeconds)
    $response = Send-QrsRequestPatiently -Method GET -Path 'about' -BudgetSeconds $remaining -DelayMs $pollMs -MaxDelayMs $pollMs -ReportProgress
    if (Test-QrsTransient -Response $response) {
        Exit-QlikFailure -Code $QrsExitNotReady -Message ("the Qlik Sense Repository Service did not answer at $($QrsClient.BaseUrl)/qrs/about within $timeout s (last: $($response.Problem)); " +
            'check that the services QlikSenseRepositoryDatabase and QlikSenseRepositoryService are running and read C:\ProgramData\Qlik\Sense\Log\Repository\Trace')
    }
    if ($response.Status -ne 200) {
        Exit-QlikFailure -Code $QrsExitRequestFailed -Message "the repository at $($QrsClient.BaseUrl) answered GET /qrs/about with $($response.Problem): $($response.Text)"
    }
    $about = ConvertFrom-Json -InputObject $response.Text
    Write-QlikPhase "repository ready: Qlik Sense $($about.buildVersion)"
    Write-QlikResult ([ordered]@{
        repositoryReady = $true
        buildVersion    = [string]$about.buildVersion
        waitedSeconds   = [int]$clock.Elapsed.TotalSeconds
        qrsUrl          = $QrsClient.BaseUrl
    })
}
