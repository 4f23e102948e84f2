// User-assigned managed identity the Functions container app runs as. User-assigned
// (rather than system-assigned) so its role assignments exist before the first revision
// starts and survive re-creation of the app.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Identity name.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
