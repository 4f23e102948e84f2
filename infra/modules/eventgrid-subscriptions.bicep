// Optional: the BlobCreated subscriptions as ARM resources, for deployments that already
// know the app's blobs_extension system key (azd env set NUDGE_BLOBS_EXTENSION_KEY ...).
// main.bicep deploys this module only when the key is non-empty; otherwise the azd hooks
// create the same subscriptions (same names, same filters) with the Azure CLI.
// Event Grid validates a webhook when the subscription is created, so the app must be
// running the real image (not the placeholder) when this deploys.

@description('Existing Event Grid system topic on the storage account.')
param systemTopicName string

@description('Resource ID of the data storage account (dead-letter destination).')
param deadLetterStorageAccountId string

@description('Host name of the Functions app (ingress FQDN).')
param functionsHost string

@description('The app\'s blobs_extension system key.')
@secure()
param blobsExtensionKey string

// Blob trigger with Source = EventGrid: the blobs extension's webhook, addressed by the
// function's host-qualified name and authorized by the blobs_extension system key.
var webhookBase = 'https://${functionsHost}/runtime/webhooks/blobs'

var subscriptions = [
  {
    name: 'nudge-batch-in-jsonl'
    functionName: 'BatchFileDropped'
    subjectBeginsWith: '/blobServices/default/containers/batch-in/'
    subjectEndsWith: '.jsonl'
  }
  {
    name: 'nudge-uploads'
    functionName: 'UploadReceived'
    subjectBeginsWith: '/blobServices/default/containers/uploads/'
    subjectEndsWith: ''
  }
]

module eventSubscriptions 'eventgrid-subscription.bicep' = [
  for sub in subscriptions: {
    name: 'eventgrid-subscription-${sub.name}'
    params: {
      systemTopicName: systemTopicName
      name: sub.name
      endpointUrl: '${webhookBase}?functionName=Host.Functions.${sub.functionName}&code=${blobsExtensionKey}'
      subjectBeginsWith: sub.subjectBeginsWith
      subjectEndsWith: sub.subjectEndsWith
      deadLetterStorageAccountId: deadLetterStorageAccountId
    }
  }
]
