import CRMCore
import CustomerImport
import Hummingbird

/// `POST /import/customers`: a CSV or `.xlsx` file as the body, imported with the upload rules
/// (`?override=true` to overwrite existing codes, `?owner=LOGIN` for new customers' owner).
struct ImportRoutes {
    func register(on group: RouterGroup<APIRequestContext>) {
        group.post("import/customers") { request, context in
            let caller = try context.requireCaller()
            if let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/") {
                throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                               message: "send the file itself as the body (text/csv or .xlsx), not a multipart form")
            }
            let reading = QueryReading(request: request)
            let override = try reading.flag("override")
            let owner = reading.text("owner")
            let buffer = try await request.body.collect(upTo: APILimits.importBodyBytes)
            let bytes = Array(buffer.readableBytesView)
            let report = try await caller.run { crm, _ in
                let table = try ImportTable.read(bytes, fileName: "the uploaded file")
                let importer = CustomerImporter(crm: crm, login: caller.login, override: override, defaultOwner: owner)
                return try importer.run(table, fileName: "the uploaded file")
            }
            caller.tenant.wakeScheduler()
            return JSONResponse(ImportReportBody(report: report))
        }
    }
}
