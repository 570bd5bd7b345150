import CRMCore
import Hummingbird

/// `/users`, `/roles`, `/departments`: the company's people and structure. Reading is open to
/// every user of the tenant; changes need `users.manage`.
struct DirectoryRoutes {
    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("users") { _, context in
            let caller = try context.requireCaller()
            let users = try await caller.run { crm, me in try crm.directory.users(by: me) }
            return JSONResponse(ListBody(items: users.map(UserBody.init)))
        }
        group.post("users") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(NewUserBody.self, context: context)
            let user = try await caller.run { crm, me in
                try crm.directory.createUser(login: body.login, name: body.name, department: body.department, role: body.role, by: me)
            }
            return JSONResponse(UserBody(user: user), status: .created)
        }
        group.get("roles") { _, context in
            let caller = try context.requireCaller()
            let roles = try await caller.run { crm, me in try crm.directory.roles(by: me) }
            return JSONResponse(ListBody(items: roles.map(RoleBody.init)))
        }
        group.post("roles") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(NewRoleBody.self, context: context)
            let role = try await caller.run { crm, me in
                try crm.directory.createRole(name: body.name, permissions: Set(body.permissions), scope: body.scope, by: me)
            }
            return JSONResponse(RoleBody(role: role), status: .created)
        }
        group.get("departments") { _, context in
            let caller = try context.requireCaller()
            let departments = try await caller.run { crm, me in try crm.directory.departments(by: me) }
            return JSONResponse(ListBody(items: departments.map(DepartmentBody.init)))
        }
        group.post("departments") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(NewDepartmentBody.self, context: context)
            let department = try await caller.run { crm, me in
                try crm.directory.createDepartment(name: body.name, parent: body.parent, by: me)
            }
            return JSONResponse(DepartmentBody(department: department), status: .created)
        }
    }
}
