// Event Grid system topic on the storage account. The blob triggers of the Functions app
// (Source = EventGrid) receive BlobCreated events through subscriptions on this topic.
// The subscriptions need the app's blobs_extension system key, which exists only once the
// deployed image is running, so they are created by infra/hooks/eventgrid-subscriptions.*
// after azd deploy (or by eventgrid-subscriptions.bicep when the key is passed in).

@description('Azure region (the storage account\'s).')
param location string

@description('Tags applied to every resource.')
param tags object

@description('System topic name.')
param name string

@description('Storage account name (the event source).')
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  // Its own identity writes undeliverable events to the eventgrid-deadletter container.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output id string = systemTopic.id
output name string = systemTopic.name
output principalId string = systemTopic.identity.principalId
