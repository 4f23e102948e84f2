// One BlobCreated webhook subscription on the storage account's system topic.

@description('Existing Event Grid system topic.')
param systemTopicName string

@description('Subscription name.')
param name string

@description('Webhook URL (contains the blobs_extension system key).')
@secure()
param endpointUrl string

@description('Subject prefix, e.g. /blobServices/default/containers/uploads/.')
param subjectBeginsWith string

@description('Subject suffix, e.g. .jsonl; empty for any.')
param subjectEndsWith string = ''

@description('Resource ID of the data storage account, whose eventgrid-deadletter container receives undeliverable events.')
param deadLetterStorageAccountId string

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource eventSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: name
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: endpointUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: subjectBeginsWith
      subjectEndsWith: subjectEndsWith
      isSubjectCaseSensitive: false
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    // An event that cannot be delivered is kept, not dropped; the upload sweep also finds its upload.
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: 'eventgrid-deadletter'
        }
      }
    }
  }
}
