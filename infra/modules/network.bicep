// The virtual network of the Container Apps environment. Its infrastructure subnet carries a
// Microsoft.Storage service endpoint, so both storage accounts can deny every network by default
// and allow only this subnet (plus the deployer's addresses, when given).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Virtual network name.')
param name string

@description('Address space of the virtual network.')
param addressPrefix string = '10.40.0.0/16'

@description('Infrastructure subnet of the Container Apps environment (workload profiles need at least a /27).')
param appsSubnetPrefix string = '10.40.0.0/23'

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: appsSubnetPrefix
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
            }
          ]
        }
      }
    ]
  }
}

output appsSubnetId string = vnet.properties.subnets[0].id
