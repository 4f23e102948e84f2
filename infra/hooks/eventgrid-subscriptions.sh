#!/bin/sh
# azd hook (postprovision and postdeploy): creates or updates the Event Grid subscriptions
# that deliver BlobCreated events from the storage account's system topic to the Functions
# app's Event Grid-sourced blob triggers:
#   nudge-batch-in-jsonl -> BatchFileDropped (batch-in/*.jsonl)
#   nudge-uploads        -> UploadReceived   (uploads/*)
# Webhook: https://{app fqdn}/runtime/webhooks/blobs?functionName=Host.Functions.{name}&code={blobs_extension system key}
#
# Idempotent: "event-subscription create" is an ARM PUT (create or update), so re-running
# rewrites the same two subscriptions (and picks up a rotated key).
# Skips (exit 0) before the first azd deploy, while the app still runs the placeholder
# image, which has no blob triggers for Event Grid to validate against.
#
# Inputs (azd passes its environment values to hooks):
#   AZURE_RESOURCE_GROUP, FUNCTIONS_APP_NAME, EVENTGRID_SYSTEM_TOPIC_NAME (main.bicep outputs)
#   AZURE_SUBSCRIPTION_ID (optional), SERVICE_FUNCTIONS_IMAGE_NAME (set by azd deploy)
#   NUDGE_EVENTGRID_STRICT=true      fail instead of warn when the key never shows up
#   NUDGE_EVENTGRID_ATTEMPTS (30), NUDGE_EVENTGRID_DELAY_SECONDS (20)
#   NUDGE_BATCH_FUNCTION_NAME (BatchFileDropped), NUDGE_UPLOAD_FUNCTION_NAME (UploadReceived)
# Run it by hand with: azd hooks run postdeploy
set -eu

log() { printf '%s\n' "eventgrid-subscriptions: $*"; }

rg="${AZURE_RESOURCE_GROUP:-}"
app="${FUNCTIONS_APP_NAME:-}"
topic="${EVENTGRID_SYSTEM_TOPIC_NAME:-}"
strict="${NUDGE_EVENTGRID_STRICT:-false}"
attempts="${NUDGE_EVENTGRID_ATTEMPTS:-30}"
delay="${NUDGE_EVENTGRID_DELAY_SECONDS:-20}"
batch_function="${NUDGE_BATCH_FUNCTION_NAME:-BatchFileDropped}"
upload_function="${NUDGE_UPLOAD_FUNCTION_NAME:-UploadReceived}"

if [ -z "$rg" ] || [ -z "$app" ] || [ -z "$topic" ]; then
  log "AZURE_RESOURCE_GROUP, FUNCTIONS_APP_NAME or EVENTGRID_SYSTEM_TOPIC_NAME is not set; run azd provision first. Skipping."
  exit 0
fi

if [ -z "${SERVICE_FUNCTIONS_IMAGE_NAME:-}" ]; then
  log "the functions service has not been deployed yet (placeholder image); the postdeploy hook creates the subscriptions. Skipping."
  exit 0
fi

if ! command -v az >/dev/null 2>&1; then
  log "the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
  exit 1
fi

if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ]; then
  az account set --subscription "$AZURE_SUBSCRIPTION_ID"
fi

# 'az containerapp function keys' lives in the containerapp extension.
az extension add --name containerapp --upgrade --only-show-errors >/dev/null

fqdn="$(az containerapp show --resource-group "$rg" --name "$app" --query properties.configuration.ingress.fqdn --output tsv)"
if [ -z "$fqdn" ]; then
  log "container app $app has no ingress FQDN"
  exit 1
fi

# The host creates the blobs_extension system key when the blobs extension starts with an
# Event Grid-sourced trigger, i.e. once a replica of the deployed image is running.
key=""
i=1
while [ "$i" -le "$attempts" ]; do
  key="$(az containerapp function keys show --resource-group "$rg" --name "$app" \
    --key-type systemKey --key-name blobs_extension --query value.value --output tsv 2>/dev/null || true)"
  if [ -n "$key" ]; then
    break
  fi
  log "waiting for the blobs_extension system key of $app ($i/$attempts)"
  sleep "$delay"
  i=$((i + 1))
done

if [ -z "$key" ]; then
  message="the blobs_extension system key of $app is not available (is a replica running the deployed image, with the Event Grid blob triggers?). Re-run with: azd hooks run postdeploy"
  if [ "$strict" = "true" ]; then
    log "ERROR: $message"
    exit 1
  fi
  log "WARNING: $message"
  exit 0
fi

# Undeliverable events go to the data account's eventgrid-deadletter container, written with the
# system topic's own identity (roles.bicep grants it that container only).
source_id="$(az eventgrid system-topic show --resource-group "$rg" --name "$topic" --query source --output tsv)"
if [ -z "$source_id" ]; then
  log "system topic $topic has no source storage account"
  exit 1
fi
deadletter="$source_id/blobServices/default/containers/eventgrid-deadletter"

# Keys are URL-safe in practice; encode the reserved characters anyway.
encoded_key="$(printf '%s' "$key" | sed -e 's/%/%25/g' -e 's/+/%2B/g' -e 's/\//%2F/g' -e 's/=/%3D/g' -e 's/&/%26/g')"

subscribe() {
  # $1 subscription name, $2 function name, $3 subject prefix, $4 subject suffix (may be empty)
  endpoint="https://$fqdn/runtime/webhooks/blobs?functionName=Host.Functions.$2&code=$encoded_key"
  log "creating/updating $1 -> $2 ($3*$4)"
  if [ -n "$4" ]; then
    az eventgrid system-topic event-subscription create \
      --resource-group "$rg" --system-topic-name "$topic" --name "$1" \
      --endpoint-type webhook --endpoint "$endpoint" \
      --included-event-types Microsoft.Storage.BlobCreated \
      --subject-begins-with "$3" --subject-ends-with "$4" \
      --event-delivery-schema eventgridschema \
      --max-delivery-attempts 30 --event-ttl 1440 \
      --deadletter-identity systemassigned --deadletter-identity-endpoint "$deadletter" \
      --only-show-errors --output none
  else
    az eventgrid system-topic event-subscription create \
      --resource-group "$rg" --system-topic-name "$topic" --name "$1" \
      --endpoint-type webhook --endpoint "$endpoint" \
      --included-event-types Microsoft.Storage.BlobCreated \
      --subject-begins-with "$3" \
      --event-delivery-schema eventgridschema \
      --max-delivery-attempts 30 --event-ttl 1440 \
      --deadletter-identity systemassigned --deadletter-identity-endpoint "$deadletter" \
      --only-show-errors --output none
  fi
}

subscribe nudge-batch-in-jsonl "$batch_function" /blobServices/default/containers/batch-in/ .jsonl
subscribe nudge-uploads "$upload_function" /blobServices/default/containers/uploads/ ""
log "done: BlobCreated events from batch-in/*.jsonl and uploads/ reach $app."
