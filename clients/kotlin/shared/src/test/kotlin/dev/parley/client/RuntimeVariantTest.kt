package dev.parley.client

import com.google.protobuf.GeneratedMessageLite
import dev.parley.gateway.v1.ServerFrame
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** Each module runs these tests on its own generated code: check it is the runtime it claims. */
class RuntimeVariantTest {
    @Test
    fun `the messages are built for the module's protobuf runtime`() {
        val lite = System.getProperty("parley.protobuf.lite") ?: error("surefire sets parley.protobuf.lite")
        val built = GeneratedMessageLite::class.java.isAssignableFrom(ServerFrame::class.java)
        assertEquals(lite.toBoolean(), built, "ServerFrame extends ${ServerFrame::class.java.superclass.name}")
    }
}
