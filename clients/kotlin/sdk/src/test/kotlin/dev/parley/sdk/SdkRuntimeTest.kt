package dev.parley.sdk

import com.google.protobuf.GeneratedMessageLite
import dev.parley.file.v1.FileInfo
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** sdk/ and sdk-lite/ run these tests on different clients: check each is on the runtime it claims. */
class SdkRuntimeTest {
    @Test
    fun `the SDK runs on its module's protobuf runtime`() {
        val lite = System.getProperty("parley.protobuf.lite") ?: error("surefire sets parley.protobuf.lite")
        val built = GeneratedMessageLite::class.java.isAssignableFrom(FileInfo::class.java)
        assertEquals(lite.toBoolean(), built, "FileInfo extends ${FileInfo::class.java.superclass.name}")
    }
}
