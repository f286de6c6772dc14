package io.github.comfylite.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class NoDelaySocketFactoryTest {
  @Test
  void everySocketItCreatesHasTcpNoDelay() throws Exception {
    NoDelaySocketFactory factory = new NoDelaySocketFactory();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket(0, 8, loopback);
        Socket unconnected = factory.createSocket();
        Socket byAddress = factory.createSocket(loopback, server.getLocalPort());
        Socket byName = factory.createSocket(loopback.getHostAddress(), server.getLocalPort());
        Socket byAddressAndLocal = factory.createSocket(loopback, server.getLocalPort(), loopback, 0);
        Socket byNameAndLocal = factory.createSocket(loopback.getHostAddress(), server.getLocalPort(), loopback, 0)) {
      assertThat(unconnected.getTcpNoDelay()).isTrue();
      assertThat(byAddress.getTcpNoDelay()).isTrue();
      assertThat(byName.getTcpNoDelay()).isTrue();
      assertThat(byAddressAndLocal.getTcpNoDelay()).isTrue();
      assertThat(byNameAndLocal.getTcpNoDelay()).isTrue();
    }
  }
}
