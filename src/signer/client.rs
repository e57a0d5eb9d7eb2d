//! A client of an `ExternalJWTSigner` on a Unix socket, as kube-apiserver dials it: the tests
//! play kube-apiserver with it.

use std::path::Path;

/// A gRPC channel to the signer listening on `socket`.
pub async fn channel(socket: &Path) -> Result<tonic::transport::Channel, tonic::transport::Error> {
    let path = socket.to_path_buf();
    // The URI is required by the API and ignored by the connector: every connection is the
    // socket.
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let path = path.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::UnixStream::connect(path).await?,
                ))
            }
        }))
        .await
}
