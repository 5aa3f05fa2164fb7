package dev.peregrine.sidekick.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.GrpcSender;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * peregrine.intake.stream-buffer is the HTTP/2 window the sidekick's gRPC server offers each
 * stream: its SETTINGS frame, read here by a bare HTTP/2 client, carries it as the initial window.
 * 96 KB is neither HTTP/2's default (64 KB - 1) nor grpc-netty's (1 MB), so a server built without
 * the setting (another transport, a customizer not applied) fails this.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(GrpcSender.Port.class)
class StreamBufferTest {
    @TempDir
    static Path spool;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.intake.stream-buffer", () -> "96KB");
    }

    @Autowired
    GrpcSender.Port grpc;

    @Test
    void theServersSettingsOfferEachStreamTheConfiguredWindow() throws Exception {
        Http2Settings settings = serverSettings(grpc.get());
        assertThat(settings.initialWindowSize()).isEqualTo(96 * 1024);
    }

    /** The first SETTINGS frame the server at 127.0.0.1:{@code port} sends after the client preface. */
    static Http2Settings serverSettings(int port) throws Exception {
        CompletableFuture<Http2Settings> settings = new CompletableFuture<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(
                                            Http2FrameCodecBuilder.forClient().build(),
                                            new ChannelInboundHandlerAdapter() {
                                                @Override
                                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                    if (msg instanceof Http2SettingsFrame frame) {
                                                        settings.complete(frame.settings());
                                                    }
                                                    ReferenceCountUtil.release(msg);
                                                }

                                                @Override
                                                public void exceptionCaught(
                                                        ChannelHandlerContext ctx, Throwable cause) {
                                                    settings.completeExceptionally(cause);
                                                }
                                            });
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            try {
                return settings.get(30, TimeUnit.SECONDS);
            } finally {
                channel.close().await(10, TimeUnit.SECONDS);
            }
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }
}
