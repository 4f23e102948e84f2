// Azure Container Registry for the image azd builds (locally or with a remote ACR build).
// The admin user is disabled: the container app pulls with its managed identity (AcrPull)
// and azd pushes with the deploying user's Entra token.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Registry name (5-50 alphanumerics).')
@minLength(5)
@maxLength(50)
param name string

@description('Registry SKU. Premium is needed for artifact streaming (faster GPU cold starts).')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
