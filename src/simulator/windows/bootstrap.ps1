# Runs one Run Command script on the stand-in Windows machine: pwsh -File bootstrap.ps1 <script> <argv...>.
# The argv words reach the script as `powershell -File script.ps1 <argv...>` would hand them over; the
# script's exit code, stdout and stderr are the run's.
$PSStyle.OutputRendering = 'PlainText'
$script = $args[0]
$words = @($args | Select-Object -Skip 1)
Import-Module (Join-Path $PSScriptRoot 'windows-standin.psm1')
& $script @words
exit $LASTEXITCODE
