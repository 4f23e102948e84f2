// A storage account of Nudge. main.bicep deploys two: host storage (AzureWebJobsStorage, with
// the Durable Task Azure Storage backend's queues, tables and blobs and the host's keys), which
// only the app reaches, and application data (the containers below), where every role is
// scoped to the containers its holder needs. Shared keys are disabled: every client (the app,
// the deploying user, Event Grid's system topic) authenticates with Microsoft Entra ID.
// Networks are denied by default: only the app's subnet (service endpoint), the deployer's
// address ranges when given, and trusted Azure services (Event Grid's dead-lettering with its
// managed identity) get through.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Private blob containers the application uses.')
param containerNames array = [
  'indices'
  'outputs'
  'batch-in'
  'batch-out'
  'uploads'
  'moderation'
  'quarantine'
  'models'
  'index-images'
  'eventgrid-deadletter'
  'work'
]

@description('Days after which the image activities\' working state (container work: first passes, nudge rounds, filter reports) is deleted.')
@minValue(1)
param workRetentionDays int = 7

@description('Queues created up front, so that roles can be scoped to them.')
param queueNames array = []

@description('Subnets allowed through the network rules (service endpoints).')
param allowedSubnetIds array = []

@description('Public address ranges (CIDR or single addresses) allowed through, e.g. the deployer\'s.')
param allowedIpRanges array = []

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Deny'
      virtualNetworkRules: [
        for subnetId in allowedSubnetIds: {
          id: subnetId
          action: 'Allow'
        }
      ]
      ipRules: [
        for range in allowedIpRanges: {
          value: range
          action: 'Allow'
        }
      ]
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      services: {
        blob: {
          enabled: true
        }
        file: {
          enabled: true
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

// The image activities hand state to each other through container work; once an image is published it is only
// needed to explain a run, so it is deleted after workRetentionDays.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = if (contains(containerNames, 'work')) {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'delete-work-state'
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'work/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: workRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = if (!empty(queueNames)) {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
