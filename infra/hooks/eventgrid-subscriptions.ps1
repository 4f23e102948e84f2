#!/usr/bin/env pwsh
# azd hook (postprovision and postdeploy), Windows/PowerShell twin of
# eventgrid-subscriptions.sh: creates or updates the Event Grid subscriptions that deliver
# BlobCreated events from the storage account's system topic to the Functions app's
# Event Grid-sourced blob triggers:
#   nudge-batch-in-jsonl -> BatchFileDropped (batch-in/*.jsonl)
#   nudge-uploads        -> UploadReceived   (uploads/*)
# Webhook: https://{app fqdn}/runtime/webhooks/blobs?functionName=Host.Functions.{name}&code={blobs_extension system key}
# Idempotent ("event-subscription create" is an ARM PUT). Skips before the first azd deploy.
# Same inputs as the .sh script. Run it by hand with: azd hooks run postdeploy
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Write-HookLog([string] $Message) { Write-Host "eventgrid-subscriptions: $Message" }
function Get-Setting([string] $Name, [string] $Default = '') {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ([string]::IsNullOrEmpty($value)) { return $Default }
    return $value
}
function Invoke-Az {
    & az @args
    if ($LASTEXITCODE -ne 0) { throw "az $($args[0..2] -join ' ') failed with exit code $LASTEXITCODE" }
}

$rg = Get-Setting 'AZURE_RESOURCE_GROUP'
$app = Get-Setting 'FUNCTIONS_APP_NAME'
$topic = Get-Setting 'EVENTGRID_SYSTEM_TOPIC_NAME'
$strict = (Get-Setting 'NUDGE_EVENTGRID_STRICT' 'false') -eq 'true'
$attempts = [int](Get-Setting 'NUDGE_EVENTGRID_ATTEMPTS' '30')
$delay = [int](Get-Setting 'NUDGE_EVENTGRID_DELAY_SECONDS' '20')
$batchFunction = Get-Setting 'NUDGE_BATCH_FUNCTION_NAME' 'BatchFileDropped'
$uploadFunction = Get-Setting 'NUDGE_UPLOAD_FUNCTION_NAME' 'UploadReceived'

if (-not $rg -or -not $app -or -not $topic) {
    Write-HookLog 'AZURE_RESOURCE_GROUP, FUNCTIONS_APP_NAME or EVENTGRID_SYSTEM_TOPIC_NAME is not set; run azd provision first. Skipping.'
    exit 0
}
if (-not (Get-Setting 'SERVICE_FUNCTIONS_IMAGE_NAME')) {
    Write-HookLog 'the functions service has not been deployed yet (placeholder image); the postdeploy hook creates the subscriptions. Skipping.'
    exit 0
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-HookLog 'the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli'
    exit 1
}

$subscriptionId = Get-Setting 'AZURE_SUBSCRIPTION_ID'
if ($subscriptionId) { Invoke-Az account set --subscription $subscriptionId }

Invoke-Az extension add --name containerapp --upgrade --only-show-errors | Out-Null

$fqdn = (Invoke-Az containerapp show --resource-group $rg --name $app --query properties.configuration.ingress.fqdn --output tsv | Out-String).Trim()
if (-not $fqdn) {
    Write-HookLog "container app $app has no ingress FQDN"
    exit 1
}

$key = ''
for ($i = 1; $i -le $attempts; $i++) {
    $key = (& az containerapp function keys show --resource-group $rg --name $app `
            --key-type systemKey --key-name blobs_extension --query value.value --output tsv 2>$null | Out-String).Trim()
    if ($LASTEXITCODE -eq 0 -and $key) { break }
    $key = ''
    Write-HookLog "waiting for the blobs_extension system key of $app ($i/$attempts)"
    Start-Sleep -Seconds $delay
}

if (-not $key) {
    $message = "the blobs_extension system key of $app is not available (is a replica running the deployed image, with the Event Grid blob triggers?). Re-run with: azd hooks run postdeploy"
    if ($strict) {
        Write-HookLog "ERROR: $message"
        exit 1
    }
    Write-HookLog "WARNING: $message"
    exit 0
}

$encodedKey = [Uri]::EscapeDataString($key)

# Undeliverable events go to the data account's eventgrid-deadletter container, written with the
# system topic's own identity (roles.bicep grants it that container only).
$sourceId = (Invoke-Az eventgrid system-topic show --resource-group $rg --name $topic --query source --output tsv | Out-String).Trim()
if (-not $sourceId) { throw "system topic $topic has no source storage account" }
$deadLetter = "$sourceId/blobServices/default/containers/eventgrid-deadletter"

function Set-BlobSubscription([string] $Name, [string] $FunctionName, [string] $BeginsWith, [string] $EndsWith) {
    $endpoint = "https://$fqdn/runtime/webhooks/blobs?functionName=Host.Functions.$FunctionName&code=$encodedKey"
    # On Windows az is az.cmd, and cmd.exe would treat an unquoted '&' as a command
    # separator: pass the URL wrapped in literal double quotes there.
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT) { $endpoint = '"' + $endpoint + '"' }
    Write-HookLog "creating/updating $Name -> $FunctionName ($BeginsWith*$EndsWith)"
    $azArgs = @(
        'eventgrid', 'system-topic', 'event-subscription', 'create',
        '--resource-group', $rg, '--system-topic-name', $topic, '--name', $Name,
        '--endpoint-type', 'webhook', '--endpoint', $endpoint,
        '--included-event-types', 'Microsoft.Storage.BlobCreated',
        '--subject-begins-with', $BeginsWith,
        '--event-delivery-schema', 'eventgridschema',
        '--max-delivery-attempts', '30', '--event-ttl', '1440',
        '--deadletter-identity', 'systemassigned', '--deadletter-identity-endpoint', $deadLetter,
        '--only-show-errors', '--output', 'none'
    )
    if ($EndsWith) { $azArgs += @('--subject-ends-with', $EndsWith) }
    Invoke-Az @azArgs
}

Set-BlobSubscription 'nudge-batch-in-jsonl' $batchFunction '/blobServices/default/containers/batch-in/' '.jsonl'
Set-BlobSubscription 'nudge-uploads' $uploadFunction '/blobServices/default/containers/uploads/' ''
Write-HookLog "done: BlobCreated events from batch-in/*.jsonl and uploads/ reach $app."
