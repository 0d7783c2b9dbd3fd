//! [`Gateway`](super::Gateway) over an untyped client and a mapping built at run time: what the CLI's
//! demo and the conformance test drive every spec through, with the same engine the
//! runtime's `impl Gateway for Client` runs for a generated client.

use crate::client::core::ClientCore;
use crate::client::transport::Transport;
use paygen_protocol::GatewayMap;

/// A client's core and its provider's `gateway:` mapping.
#[derive(Debug)]
pub struct MappedGateway<T> {
    core: ClientCore<T>,
    map: GatewayMap,
}

impl<T: Transport> MappedGateway<T> {
    /// The gateway of `core` by `map`.
    pub fn new(core: ClientCore<T>, map: GatewayMap) -> Self {
        MappedGateway { core, map }
    }

    /// The untyped client underneath.
    pub fn core(&self) -> &ClientCore<T> {
        &self.core
    }

    /// The mapping.
    pub fn map(&self) -> &GatewayMap {
        &self.map
    }
}

impl<T: Transport> super::parts::MappedParts for MappedGateway<T> {
    type Transport = T;

    fn core(&self) -> &ClientCore<T> {
        &self.core
    }

    fn map(&self) -> &GatewayMap {
        &self.map
    }
}
