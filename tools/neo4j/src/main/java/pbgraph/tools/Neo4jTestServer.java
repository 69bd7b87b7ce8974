package pbgraph.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts a throwaway Neo4j 5 Community server on 127.0.0.1 (a free port), with authentication on,
 * and writes its connection as {@code NEO4J_URI}, {@code NEO4J_USERNAME}, {@code NEO4J_PASSWORD}
 * lines to an env file once it accepts connections. Runs until killed (SIGTERM/SIGINT), or, with
 * {@code --stop-on-stdin-eof}, until its parent closes stdin or exits (so a killed test run leaves no server).
 *
 * <p>Usage: {@code Neo4jTestServer DATA_DIR ENV_FILE PASSWORD [--stop-on-stdin-eof]}
 */
public final class Neo4jTestServer {
    private Neo4jTestServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Neo4jTestServer DATA_DIR ENV_FILE PASSWORD [--stop-on-stdin-eof]");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]).toAbsolutePath();
        Path envFile = Path.of(args[1]).toAbsolutePath();
        String password = args[2];
        boolean stopOnEof = args.length > 3 && args[3].equals("--stop-on-stdin-eof");
        Files.createDirectories(dataDir);

        Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(dataDir)
                .withDisabledServer() // no HTTP: the driver speaks Bolt
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", 0))
                .withConfig(GraphDatabaseSettings.auth_enabled, true)
                .withConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            neo4j.close();
            stopped.countDown();
        }));
        neo4j.databaseManagementService()
                .database("system")
                .executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));

        int port = neo4j.boltURI().getPort();
        String env = "NEO4J_URI=bolt://127.0.0.1:" + port + "\n"
                + "NEO4J_USERNAME=neo4j\n"
                + "NEO4J_PASSWORD=" + password + "\n";
        writeAtomically(envFile, env);
        System.out.println("pbgraph test Neo4j " + neo4jVersion() + " ready at bolt://127.0.0.1:" + port);
        System.out.flush();

        if (stopOnEof) {
            // also when the parent exits: a child of it may hold a copy of the pipe open
            ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(0)));
            while (System.in.read() != -1) {
                // the parent writes nothing; EOF means it closed the pipe or died
            }
            System.exit(0); // runs the shutdown hook
        }
        stopped.await();
    }

    private static String neo4jVersion() {
        String v = Neo4j.class.getPackage().getImplementationVersion();
        return v == null ? "5" : v;
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
