# Dot-source in a Describe's BeforeAll:  . (Join-Path $PSScriptRoot 'Use-FakeQrs.ps1') -Step 'qlik/proxy.ps1'
# Starts one fake QRS for the block, expands the step into $TestDrive, and mocks what only exists on a
# Qlik node (certificate stores, Host.cfg) with the fake's certificates. Sets $Fake and $StepScript.
param([Parameter(Mandatory)][string]$Step, [string[]]$FakeArguments = @())

Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'QrsTestHelpers.psm1') -Force

$script:Fake = Start-FakeQrs -Arguments $FakeArguments
$script:StepScript = Export-Template -Name $Step -Directory $TestDrive
Install-CommandStub -ScriptPath $StepScript
$script:FakeClientCertificate = Get-FakeQrsClientCertificate -Fake $Fake
$script:FakeCaCertificate = Get-FakeQrsCaCertificate -Fake $Fake
Mock Get-QlikHostName { 'qlik-fake-node' }
Mock Get-QlikClientCertificate { $FakeClientCertificate }
Mock Get-QlikRootCertificate { $FakeCaCertificate }
